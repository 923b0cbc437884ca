// Package queue is anteroom's admission engine, free of HTTP: numbered tickets,
// the serving counter, active sessions, claim-window forfeits, abandoned
// tickets, the pre-queue and its lottery, and the ETA a shopper is shown.
//
// The rules live here; the shared state they act on lives behind Store, so a
// single gateway (MemoryStore) and many gateways (a Redis store) follow the
// same rules. A waiting shopper is a signed ticket held by the client: the
// store keeps a few bytes per ticket number (when it last polled), no object
// per shopper.
//
// # Which rule lives where
//
// The engine (Room, one per room on each node) decides what a shopper is
// told — let in, wait, sold out, come back — from counters it caches, and
// batches polls, refreshes and ends into store calls. Its rules are in Go
// only: room.go, verdicts.go, status.go, and the ETA (room.go, rate.go).
//
// A store applies each state change atomically, so that two nodes can never
// admit one ticket twice or sell one unit twice. Those rules — who is
// called, when a session or a call expires, the admission bucket, the stock
// — are written twice, because they must run where the state is: in Go
// under MemoryStore's lock (memory.go, memory_index.go, waiting.go,
// stock_memory.go), and in Lua inside Redis (redis_scripts.go,
// redis_stock_scripts.go), where one script run is one atomic step; a Go
// copy of the rule run between Redis round trips would let another node's
// step come in between. The exceptions stay in Go alone: the lottery's
// permutation needs 64-bit integers Lua does not have, so RedisStore.Advance
// sends the ticket numbers it needs (redis_advance.go); and the lengths of
// time every store must agree on (SessionGrace, EndedSlack, HoldKeep) are
// Go constants that the Redis store passes to its scripts or checks its
// scripts against.
//
// So that the two copies cannot drift, each rule is stated once and run
// against both stores, in package storetest: the conformance cases, and for
// the rules of time — a poll's freshness in the abandon window, the
// bucket's refill, and how long sessions, ended sessions, calls and holds
// last — one table of boundary cases each (storetest/rules.go). The counts
// kept by different means on each side are held together by differential
// tests (the line's count in redis_flat_test.go, the memory store against a
// plain reference in memory_ref_test.go).
//
// The memory store's save file has a format of its own (stateformat.go),
// versioned and checked field by field on load (statecheck.go), so that
// the live structure can change without old files failing to load.
package queue
