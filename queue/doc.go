// Package queue is anteroom's admission engine, free of HTTP: numbered tickets,
// the serving counter, active sessions, claim-window forfeits, abandoned
// tickets, the pre-queue and its lottery, and the ETA a shopper is shown.
//
// The rules live here; the shared state they act on lives behind Store, so a
// single gateway (MemoryStore) and many gateways (a Redis store) follow the
// same rules. A waiting shopper is a signed ticket held by the client: the
// store keeps a few bytes per ticket number (when it last polled), no object
// per shopper.
package queue
