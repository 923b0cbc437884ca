// Package memstore is anteroom's memory backend: every room's state kept in
// this process, the default for a single gateway node. Store implements
// queue.Store and queue.OverrideStore and runs the conformance suite of
// package storetest; Save and Load keep its state in a file of its own
// versioned format (stateformat.go), so that a restart keeps every
// ticket's place. Package queue's doc says which rule lives where.
package memstore
