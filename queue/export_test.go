package queue

// The conformance suite (package storetest) runs in package queue_test and
// lists called tickets through these, since Store does not expose them.
var (
	CalledSet = calledSet
)

// The engine's tests on Redis (redis_engine_test.go) run in package
// queue_test too, since the Redis store's package imports this one.
var (
	SimulateSale = simulateSale
	RunOverrides = testOverrides
	BenchHold    = benchHold
	Start        = start

	RunLotteryThreeNodes        = testLotteryThreeNodes
	RunLotterySeedBackAfterLoss = testLotterySeedBackAfterDataLoss
	RunETANodes                 = testETANodes
)
