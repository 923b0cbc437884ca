package queue

// The conformance suite (package storetest) runs in package queue_test and
// lists called tickets through these, since Store does not expose them.
var (
	CalledSet   = calledSet
	RedisCalled = redisCalled
)
