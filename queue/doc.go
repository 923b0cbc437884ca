// Package queue is anteroom's admission engine, free of HTTP: numbered tickets,
// the serving counter, active sessions, claim-window forfeits, abandoned
// tickets, the pre-queue and its lottery, and the ETA a shopper is shown.
//
// The rules live here; the shared state they act on lives behind Store, so a
// single gateway (the memory store) and many gateways (the Redis store)
// follow the same rules. A waiting shopper is a signed ticket held by the client: the
// store keeps a few bytes per ticket number (when it last polled), no object
// per shopper.
//
// # Which package holds what
//
// As in oauth2-proxy's session stores — a small interface, one package per
// backend, one shared suite — each part of the store layer has one home:
//
//   - queue (this package): the engine, the Store interface split by caller
//     (store.go), and what every backend must agree on: the lengths of time
//     (SessionGrace, EndedSlack, HoldKeep), the checks of what a caller
//     may store (CheckUnits, CheckOverride), and the timeout wrapper every
//     gateway puts round its store (Bounded).
//   - queue/memstore: the memory backend, memstore.Store, with its save
//     file.
//   - queue/redisstore: the Redis backend, redisstore.Store, with its Lua.
//   - queue/storetest: the conformance suite every backend runs, and the
//     helpers its cases share with each backend's own tests.
//
// The engine imports no backend, so a backend's internals stay its own,
// and a change to one cannot reach into the engine. The backends import
// queue, so the engine's tests that run it over a real store are in
// package queue_test; the few engine internals they check are exported to
// them by export_test.go, and the tests of unexported engine parts that
// need no store stay in package queue.
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
// under the memory store's lock (package memstore: store.go, index.go,
// waiting.go, stock.go), and in Lua inside Redis (package redisstore:
// redis_scripts.go, redis_stock_scripts.go), where one script run is one
// atomic step; a Go copy of a rule run between Redis round trips would let
// another node's step come in between. The exceptions stay in Go alone: the
// lottery's permutation needs 64-bit integers Lua does not have, so the
// Redis store's Advance sends the ticket numbers it needs
// (redisstore/redis_advance.go); and the lengths of time every store must
// agree on (SessionGrace, EndedSlack, HoldKeep) are Go constants that the
// Redis store passes to its scripts or checks its scripts against.
// One rule is the Redis store's alone: a ticket handed out is pending until
// its node confirms a shopper got it, because Redis arrivals are
// group-committed and a lost reply must not leave tickets that hold slots
// (redisstore/redis_join.go); the memory store cannot lose a reply.
//
// So that the two copies cannot drift, each rule is stated once and run
// against both stores, in package storetest: the conformance cases, and for
// the rules of time — a poll's freshness in the abandon window, the
// bucket's refill, and how long sessions, ended sessions, calls and holds
// last — one table of boundary cases each (storetest/rules.go). The counts
// kept by different means on each side are held together by differential
// tests (the line's count in redisstore/redis_flat_test.go, the memory
// store against a plain reference in memstore/ref_test.go).
//
// The memory store's save file has a format of its own
// (memstore/stateformat.go), versioned and checked field by field on load
// (memstore/statecheck.go), so that the live structure can change without
// old files failing to load. It lives in memstore, not here, because the
// memory store alone reads and writes it: what the engine keeps (Room's
// cached counters) is never saved, and the Redis store's state outlives a
// restart in Redis. Beside the store, the format can convert the live
// rooms field by field while both stay unexported.
package queue
