package config

// The keys whose value is one of a few words are typed, so that code
// compares against these constants, never against a string spelt again.

// Backend is store.backend.
type Backend string

const (
	BackendMemory Backend = "memory" // one node, this process's memory
	BackendRedis  Backend = "redis"  // many nodes, one Redis or a Cluster
)

// OnFailure is store.on_failure: what newcomers get while the store is down.
type OnFailure string

const (
	OnFailureHold OnFailure = "hold" // an honest page; nobody new goes in
	OnFailureOpen OnFailure = "open" // through, bounded by limits.origin_rps
)

// Queueing is rooms[].queueing: the pre-queue's order at opens_at.
type Queueing string

const (
	QueueingFIFO   Queueing = "fifo"   // arrival order
	QueueingRandom Queueing = "random" // a lottery
)

// LogFormat is log.format.
type LogFormat string

const (
	LogText LogFormat = "text"
	LogJSON LogFormat = "json"
)

// oneOfTyped checks a typed enum against its allowed values.
func oneOfTyped[T ~string](v *validator, path string, got T, allowed ...T) {
	words := make([]string, len(allowed))
	for i, a := range allowed {
		words[i] = string(a)
	}
	v.oneOf(path, string(got), words...)
}
