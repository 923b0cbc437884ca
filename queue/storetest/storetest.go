// Package storetest is the conformance suite of queue.Store: what every
// backend does, whatever keeps its state. A backend's tests call Run with a
// way to make fresh stores; the memory store is the reference, and every
// backend runs the same cases, so no two can drift.
package storetest

import (
	"testing"

	"github.com/anteroom/anteroom/queue"
)

// Backend is a store implementation under test.
type Backend struct {
	// New returns a store whose rooms are all empty, and closes it when
	// the test ends (t.Cleanup).
	New func(t *testing.T) queue.Store
	// Called lists room's tickets called and not yet claimed, sorted. The
	// Store interface does not say which tickets those are (the engine
	// never needs to), so the backend looks into its own state.
	Called func(t testing.TB, s queue.Store, room string) []uint64
	// Nodes, if set, returns n stores over one shared state, each with its
	// own connections, as n gateways would have. Without it the cases that
	// spread their calls over several nodes are skipped.
	Nodes func(t *testing.T, n int) []queue.Store
}

// Run runs every case of the suite against stores from b, each case in a
// subtest of its own.
func Run(t *testing.T, b Backend) {
	if b.New == nil || b.Called == nil {
		t.Fatal("storetest: Backend needs New and Called")
	}
	cases := []struct {
		name string
		run  func(*testing.T, Backend)
	}{
		{"JoinNumbersInOrder", storeJoinNumbersInOrder},
		{"OpenFreezesOnce", storeOpenFreezesOnce},
		{"AdvanceTokenBucket", storeAdvanceTokenBucket},
		{"RateBoundsClaims", storeRateBoundsClaims},
		{"CapacityInvariant", storeCapacityInvariant},
		{"CapacityBoundsCalls", storeCapacityBoundsCalls},
		{"ClaimIsIdempotent", storeClaimIsIdempotent},
		{"ClaimBeforeTurn", storeClaimBeforeTurn},
		{"ForfeitGivesSlotToNext", storeForfeitGivesSlotToNext},
		{"ForfeitReturnsBudget", storeForfeitReturnsBudget},
		{"AbandonedTicketsAreSkipped", storeAbandonedTicketsAreSkipped},
		{"JoinRacingAdvance", storeJoinRacingAdvance},
		{"SessionsExpire", storeSessionsExpire},
		{"EndFreesSlotForGood", storeEndFreesSlotForGood},
		{"EndOfUnknownSession", storeEndOfUnknownSession},
		{"EndedOutlivesTokens", storeEndedOutlivesTokens},
		{"RefreshOfUnknownSessionCounts", storeRefreshOfUnknownSessionCounts},
		{"SeenRaisesIssued", storeSeenRaisesIssued},
		{"LostDataKeepsOrder", storeLostDataKeepsOrder},
		{"Leave", storeLeave},
		{"AdmitDirect", storeAdmitDirect},
		{"WaitingCount", storeWaitingCount},
		{"CountersReadsOnly", storeCountersReadsOnly},
		{"AdvanceFollowsTheLottery", storeAdvanceFollowsTheLottery},
		{"OpenKeepsTheOpening", storeOpenKeepsTheOpening},
		{"LeaveIsFinal", storeLeaveIsFinal},
		{"AdvanceTwiceAtOneInstant", storeAdvanceTwiceAtOneInstant},
		{"StockInit", storeStockInit},
		{"StockSetKeepsHeldAndSold", storeStockSetKeepsHeldAndSold},
		{"StockHold", storeStockHold},
		{"StockExpiry", storeStockExpiry},
		{"StockConfirm", storeStockConfirm},
		{"StockRelease", storeStockRelease},
		{"StockInCounters", storeStockInCounters},
		{"StockConcurrentHolds", storeStockConcurrentHolds},
		{"StockConcurrentHoldsOfOneSession", storeStockConcurrentHoldsOfOneSession},
		{"StockPerSession", storeStockPerSession},
		{"StockPerSessionRules", storeStockPerSessionRules},
		{"StockConcurrentHoldsPerSession", storeStockConcurrentHoldsPerSession},
		{"StockExpiryRace", storeStockExpiryRace},
		{"StockTwoNodesExpireOnce", storeStockTwoNodesExpireOnce},
		{"StockExpiredCount", storeStockExpiredCount},
		// The rules written in Go and again in Lua, one table each (rules.go).
		{"Freshness", storeFreshness},
		{"Refill", storeRefill},
		{"Expiry", storeExpiry},
		{"OutcomesCount", storeOutcomesCount},
		{"CommitKeepsTheFirst", storeCommitKeepsTheFirst},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, b) })
	}
}

// called returns the numbers of the tickets of the suite's room called and
// not yet claimed.
func (b Backend) called(t testing.TB, s queue.Store) []uint64 {
	t.Helper()
	return b.Called(t, s, Room)
}
