package dev.facteur.auth.dmarc;

/** Policy discovery and Organizational Domains, done one way or the other ({@link OrgDomainMethod}). */
interface Discovery extends OrganizationalDomains {

    PolicyDiscovery policy(String authorDomain);

    OrgDomainMethod method();
}
