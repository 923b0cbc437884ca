//go:build nometrics

package gateway

// metricsOn: see metrics_on.go.
const metricsOn = false
