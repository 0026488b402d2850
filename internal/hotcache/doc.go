// Package hotcache keeps the anonymous hot reads (the first feed pages per
// media type, the featured page, CMS pages per language, the sitemaps)
// pre-encoded in memory: the decoded value, its JSON body, a gzip copy and
// a strong ETag, served with 304s to clients that already hold them.
//
// # Coherence model
//
// Every cache names the topics its values depend on (Options.Topics) and
// every write that changes what a cached read would show announces its
// topics through an Invalidator:
//
//	TopicFeed      publish, delete, flag or hide, ban or unban of a user:
//	               the feed pages, the featured page, the feed sitemap
//	TopicFeatured  a post featured or unfeatured: the featured page
//	TopicUsers     a profile change or ban visible in the users sitemap
//	TopicCMS       CMS content reloaded: the /op/* pages
//
// Invalidate bumps the generation of each cache subscribed to one of the
// topics. An entry is served only while its generation is current and it
// is younger than Options.MaxAge; otherwise the next reader fills it
// again, concurrent readers of one key sharing one fill (singleflight).
// A fill records the generation before it starts reading, so a fill that
// was running when an invalidation arrived is handed to the readers that
// were already waiting for it but is not stored: a reader that starts
// after Invalidate returned never sees data read before it.
//
// Counts that change without an invalidation (likedNumber: likes do not
// invalidate, they are too frequent) are bounded by MaxAge alone: feed
// page caches use a MaxAge of 1 s, and an entry's age is measured from the
// moment its fill started reading, so a served likedNumber is at most 1 s
// older than the database. A signed-in viewer gets the cached Value and
// overlays their own isLiked (one indexed query for the page's ids) before
// encoding it; anonymous readers get the bytes.
//
// # Across instances
//
// Memory delivers invalidations inside one process (embedded mode). Redis
// (used when REDIS_URL is set) applies an invalidation locally at once,
// then publishes it on the "kira:hotcache" channel; every other instance
// applies it when the message arrives (usually within milliseconds).
//
// If Redis is down or the subscription drops, caches fail open to TTL
// only: Invalidate still applies locally, logs a warning and returns the
// publish error; other instances serve their entries until MaxAge ends
// them. When the subscription comes back (go-redis resubscribes by
// itself) every cache of the instance is invalidated, because messages
// published meanwhile are lost. MaxAge is therefore the bound on
// cross-instance staleness while Redis is unavailable, and also for
// writers that cannot reach the servers' memory (`kira feature` in
// embedded mode runs in another process).
//
// # Wiring (suggested)
//
//	cache         key                       Topics                    MaxAge
//	feed page 1   mediaType ("" = all)      TopicFeed                 1 s
//	featured      ""                        TopicFeed, TopicFeatured  10 s
//	/op/*         matched language + path   TopicCMS                  CMS refresh interval
//	sitemaps      "users" / "feeds"         TopicFeed, TopicUsers     60 s
//
// The /op/* handler keys by the language it matched and sets
// `Vary: Accept-Language` before ServeBytes, which adds Accept-Encoding.
// Writers call Invalidate after their transaction commits. app builds one
// Invalidator (Redis when REDIS_URL is set, else Memory), starts it with
// the server and stops it before closing the Redis client.
package hotcache
