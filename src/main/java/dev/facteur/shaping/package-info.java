/**
 * Traffic shaping: how fast, and over how many connections, mail goes to each receiving site.
 *
 * <p>A <em>site</em> is what a receiver's limits apply to: all the domains served by one
 * provider's mail servers share one budget (MX roll-up, {@link dev.facteur.shaping.Sites}).
 * Each site has limits ({@link dev.facteur.shaping.SiteLimits}: connections at once, messages per
 * connection, recipients per message, messages per minute and per hour, a pause between
 * connections), from the configuration's defaults and rules. Replies that say "slow down" make
 * the site's rate and connections smaller, and repeated ones suspend it; successes bring them back
 * step by step ({@link dev.facteur.shaping.Adaptation}).
 *
 * <p>Delivery asks the {@link dev.facteur.shaping.Shaper} before each transaction and each new
 * connection, and tells it what the servers said; the queue stays the only place that decides
 * when a message is tried again: a message the shaper holds back is {@code Postponed}, not
 * failed. The budgets and what the sites taught live in a {@link dev.facteur.store.ShapingStore},
 * in memory or in a Redis that several nodes share.
 */
package dev.facteur.shaping;
