/**
 * DMARC (RFC 9989 "DMARCbis", which obsoletes RFC 7489 and RFC 9091; aggregate reports per
 * RFC 7489 Appendix C and RFC 9990): records, Organizational Domains, identifier alignment,
 * policy evaluation, and aggregate reports with the email that carries them.
 *
 * <p>The flow: {@link dev.facteur.auth.dmarc.DmarcEvaluator} takes the Author Domain (one per
 * evaluation; {@link dev.facteur.auth.dmarc.AuthorDomains} says what to do with several) and
 * {@link dev.facteur.auth.dmarc.AuthResults} (SPF and DKIM results as plain values, so this package
 * does not depend on the verifiers), discovers the policy, checks alignment, and returns a sealed
 * {@link dev.facteur.auth.dmarc.DmarcResult} whose {@code methodResult()} is the
 * Authentication-Results text. A receiver keeps a {@link dev.facteur.auth.dmarc.ReportRecord} per
 * message; rows are counted per Policy Domain and period ({@link dev.facteur.auth.dmarc.ReportAggregator}
 * shows how; {@code dev.facteur.reports} keeps them in the policy store and sends them daily);
 * {@link dev.facteur.auth.dmarc.AggregateReport} writes the XML,
 * {@link dev.facteur.auth.dmarc.ReportDestinations} says which {@code rua} addresses may get it, and
 * {@link dev.facteur.auth.dmarc.ReportMessage} composes the email.
 *
 * <p>Organizational Domains ({@code org_domain} in the configuration, see
 * {@link dev.facteur.auth.dmarc.OrgDomainMethod}): the DMARCbis DNS Tree Walk by default, or the
 * RFC 7489 Public Suffix List. DNS goes only through {@link dev.facteur.dns.DnsResolver}; a DNS
 * failure is a {@code temperror}, never a silent pass.
 *
 * <p><b>The Public Suffix List.</b> A copy ships in this package's resources
 * ({@code public_suffix_list.dat}, MPL-2.0, see {@code public_suffix_list.LICENSE}), taken from
 * Debian's {@code publicsuffix} package (version 20230209). Operators update it without a new
 * release by downloading the list and pointing {@code public_suffix_list} at the file:
 * <pre>
 *   curl -fsSo /etc/facteur/public_suffix_list.dat https://publicsuffix.org/list/public_suffix_list.dat
 * </pre>
 * The file is read when the evaluator is made. Both its ICANN and PRIVATE sections count unless
 * configured otherwise (see {@link dev.facteur.auth.dmarc.PublicSuffixList}). To refresh the
 * bundled copy, replace the resource with a fresh download (or Debian's
 * {@code /usr/share/publicsuffix/public_suffix_list.dat}) and run the unit tests.
 */
package dev.facteur.auth.dmarc;
