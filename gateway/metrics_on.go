//go:build !nometrics

package gateway

// metricsOn says the request path counts for /metrics. Building with
// -tags nometrics turns the counting off, for one purpose only: measuring
// what it costs (bench/compare.sh, BENCHMARKS.md). /metrics still answers,
// with the request counts at zero.
const metricsOn = true
