//go:build race

package token

// The race detector makes sync.Pool drop items at random, so tests that
// count allocations skip.
const raceEnabled = true
