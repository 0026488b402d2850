// Package auth verifies the Supabase Auth access tokens (JWTs) that clients
// send, and provides a local development key that mints compatible tokens.
//
// Production and development share one verification path: a keyfunc over a
// JWK set. In production the set comes from Supabase's JWKS URL (cached and
// refreshed); in development it is built from the JSON of a locally persisted
// ES256 key, which the server also publishes at /.well-known/jwks.json.
package auth
