package queue

import "time"

// rateMeter measures admissions per second over the last minute from the
// store's running total, so that the ETA follows what really happens rather
// than what the configuration hopes for.
type rateMeter struct {
	samples [16]rateSample
	next    int
	count   int
}

type rateSample struct {
	at       time.Time
	admitted uint64
}

const (
	rateWindow  = time.Minute
	rateMinSpan = 10 * time.Second
	rateEvery   = rateWindow / 16
)

// add records the total at now and returns the rate over the window; 0
// while less than rateMinSpan is known.
func (m *rateMeter) add(now time.Time, admitted uint64) float64 {
	last := m.samples[(m.next+len(m.samples)-1)%len(m.samples)]
	if m.count == 0 || now.Sub(last.at) >= rateEvery {
		m.samples[m.next] = rateSample{now, admitted}
		m.next = (m.next + 1) % len(m.samples)
		if m.count < len(m.samples) {
			m.count++
		}
	}
	oldest := m.samples[(m.next+len(m.samples)-m.count)%len(m.samples)]
	span := now.Sub(oldest.at)
	if span < rateMinSpan || admitted < oldest.admitted {
		return 0
	}
	return float64(admitted-oldest.admitted) / span.Seconds()
}
