// Package token signs and verifies anteroom's three kinds of token: tickets
// (a place in a room's queue), sessions (an admitted shopper) and purchase
// tokens (a hold on one unit of stock, for the origin to verify).
//
// Tickets and sessions are HMAC-SHA256 JWTs signed by a Ring: the first key
// signs and every key verifies, so secrets rotate without logging anyone out.
// They are checked on every poll and every proxied request, so TicketCache and
// SessionCache remember verified tokens and answer repeat lookups without
// allocating, while still checking expiry every time.
//
// Purchase tokens are Ed25519 JWTs signed by a PurchaseSigner whose public keys
// are published as a JWKS, so a shop verifies them (ParsePurchase, KeySet)
// without holding any secret of the gateway.
//
// Every kind has its own "typ" header and audience, so one kind is never
// accepted as another. Parsing is strict: a fixed algorithm per kind, a known
// "kid", "exp", "iss" and "aud" required, canonical base64, and input longer
// than MaxTokenLen refused before any decoding. Every failure is reported as
// one of the package's sentinel errors, so callers can use errors.Is.
package token
