package queue

import (
	"math"
	"slices"
	"time"
)

// The ETA. A waiting shopper is told how long they still have to wait as a
// range, and the range should hold. It is worked out from what the room
// really does, sampled every etaEvery:
//
//   - how many admissions the shopper still needs: the places ahead times
//     the share of places that turned into admissions lately (tickets
//     that stopped polling, or will, are skipped when their turn comes),
//     plus their own;
//   - how fast admissions can come: the rate budget (new_users_per_minute)
//     and, once the free slots are taken, slots freeing as sessions end —
//     by revoke or by running out — at max_active / the mean session life,
//     which Little's law gives from the sessions alive and the sessions
//     ended (every admission ever, less those alive);
//   - how wrong such estimates turned out: at every sample the estimate for
//     a place or two in line is noted, and when the serving counter passes
//     that place the real wait is compared with it. The range is the
//     estimate scaled by the spread of those errors (a wide prior until
//     enough are in), not a fixed ±25 %.
//
// Samples are taken at the first tick after each multiple of etaEvery of
// the wall clock, from the counters every node reads from the store, so
// that nodes ticking at once keep the same model.

// etaEvery is how often the model is sampled.
const etaEvery = 5 * time.Second

// etaTau is the time constant of the smoothed rates: long enough to
// average over a few dozen sessions ending, short enough to follow a room
// that changed pace within a few minutes.
const etaTau = 90 * time.Second

// The spread used until etaMinErrors waits were seen: when the rate budget
// bounds the wait it is known exactly and only the share of shoppers ahead
// who will still be there is guessed; when sessions ending bound it, their
// life is guessed too. Once learnt, a range is never narrower than
// etaMinLow to etaMinHigh times the estimate.
const (
	etaRateLow   = 0.75
	etaRateHigh  = 1.35
	etaPriorLow  = 0.6
	etaPriorHigh = 1.6
	etaMinErrors = 12
	etaMinLow    = 0.85
	etaMinHigh   = 1.2
	// Slots freeing as sessions end drift more than the recent errors
	// show (sessions started together end together, no-shows hold slots
	// for the claim window): a range bound by them is at least this wide.
	etaCapLow  = 0.8
	etaCapHigh = 1.3
)

// etaShort is the shortest wait an error is learnt from, and half the
// shortest estimate: shorter ones are mostly the polls' rounding, which
// the range's few seconds either side cover.
const etaShort = 10 * time.Second

// ewma is an exponentially weighted mean over time whose weights are
// normalised, so that it is not biased towards zero before etaTau passed.
type ewma struct {
	sum, weight float64
}

func (e *ewma) add(x, dt float64) {
	decay := math.Exp(-dt / etaTau.Seconds())
	e.sum = e.sum*decay + x*(1-decay)
	e.weight = e.weight*decay + (1 - decay)
}

func (e *ewma) value() (float64, bool) {
	if e.weight < 0.05 {
		return 0, false
	}
	return e.sum / e.weight, true
}

// etaSample is the room's counters at one sample.
type etaSample struct {
	at                 time.Time
	admitted, ended    uint64
	serving, issued    uint64
	active, called     int
	waiting            int
	backlog, wasPaused bool
}

// probe is an estimate noted for a place in line, to be checked against
// the real wait once the serving counter passes it.
type probe struct {
	pos uint64
	at  time.Time
	mid float64
}

// etaModel is what the room was seen to do. It is only touched by Tick
// (under Room.mu) and read by estimates through an immutable etaView.
type etaModel struct {
	last  etaSample
	slot  int64 // the etaEvery slot of the last sample
	ready bool

	admits  ewma // admissions per second
	active  ewma // sessions alive
	ends    ewma // sessions ending per second
	perPos  ewma // admissions per place passed, while a line stood
	endSeen uint64

	probes []probe
	errs   []float64 // log(real wait / estimate), the latest etaMaxErrors
}

const (
	etaMaxProbes = 256
	etaMaxErrors = 60
)

// etaView is the model as estimates read it: a snapshot made at each
// sample.
type etaView struct {
	// life is the mean session life in seconds; 0: none ended yet.
	life float64
	// admitRate is the admissions per second, smoothed; 0: unknown.
	admitRate float64
	// perPos is the share of places that become admissions; 0: unknown.
	perPos float64
	// low and high scale the estimate into the range shown, once learnt.
	low, high float64
	learnt    bool

	// c holds the counters estimates count places from, read at at, in
	// etaEvery slot slot: with them in the view, an estimate is a
	// function of the view and the ticket, the same on every node that
	// reads the view (eta_shared.go).
	c    etaCounts
	at   time.Time
	slot int64
}

// etaCounts are the counters an estimate reads: a fifth of Counters, since
// every status poll reads them.
type etaCounts struct {
	Issued, Serving         uint64
	Active, Called, Waiting int
}

func countsOf(c *Counters) etaCounts {
	return etaCounts{Issued: c.Issued, Serving: c.Serving, Active: c.Active, Called: c.Called, Waiting: c.Waiting}
}

// counted returns v estimating from the counters c read at at.
func (v etaView) counted(c Counters, at time.Time) etaView {
	v.c, v.at = countsOf(&c), at
	return v
}

// sample updates the model with the counters c read at now, at most once
// per etaEvery slot, and returns the view estimates read until the next.
func (m *etaModel) sample(now time.Time, c Counters, p Policy, paused bool) (etaView, bool) {
	slot := now.UnixNano() / int64(etaEvery)
	if m.ready && slot == m.slot {
		return etaView{}, false
	}
	m.slot = slot
	ended := uint64(0)
	if c.Admitted > uint64(c.Active) {
		ended = c.Admitted - uint64(c.Active)
	}
	s := etaSample{at: now, admitted: c.Admitted, ended: ended, serving: c.Serving, issued: c.Issued,
		active: c.Active, called: c.Called, waiting: c.Waiting,
		backlog: c.Opening.Opened && c.Serving < c.Issued, wasPaused: paused}
	if m.ready && !paused && !m.last.wasPaused && s.admitted >= m.last.admitted && s.ended >= m.last.ended {
		dt := now.Sub(m.last.at).Seconds()
		if dt > 0 {
			m.admits.add(float64(s.admitted-m.last.admitted)/dt, dt)
			m.active.add(float64(c.Active), dt)
			m.ends.add(float64(s.ended-m.last.ended)/dt, dt)
			m.endSeen += s.ended - m.last.ended
			// Admissions per place passed mean something only while a
			// line stood, so that every place passed was a ticket's turn.
			if m.last.backlog && s.serving > m.last.serving {
				passed := float64(s.serving - m.last.serving)
				got := float64(s.admitted - m.last.admitted)
				m.perPos.add(min(got/passed, 1), dt*min(passed, 10)/10)
			}
		}
	}
	if paused {
		// A pause adds its length to every wait in progress: a cause the
		// page names, not an error of the estimate.
		m.probes = m.probes[:0]
	}
	m.learn(s)
	m.last, m.ready = s, true
	v := m.view(p).counted(c, now)
	v.slot = slot
	return v, true
}

// learn checks the probes the serving counter has passed.
func (m *etaModel) learn(s etaSample) {
	kept := m.probes[:0]
	for _, pr := range m.probes {
		if pr.pos > s.serving {
			kept = append(kept, pr)
			continue
		}
		if real := s.at.Sub(pr.at); real >= etaShort && pr.mid >= etaShort.Seconds()*2 {
			if len(m.errs) == etaMaxErrors {
				m.errs = append(m.errs[:0], m.errs[1:]...)
			}
			m.errs = append(m.errs, math.Log(real.Seconds()/pr.mid))
		}
	}
	m.probes = kept
}

// note records the estimate for place pos, to be checked later.
func (m *etaModel) note(pos uint64, at time.Time, mid float64) {
	if len(m.probes) == etaMaxProbes || mid <= 0 {
		return
	}
	m.probes = append(m.probes, probe{pos: pos, at: at, mid: mid})
}

func (m *etaModel) view(p Policy) etaView {
	var v etaView
	// Little's law holds for a room in a steady state: not before a whole
	// room's worth of sessions has ended.
	if act, ok := m.active.value(); ok && m.endSeen >= uint64(max(p.MaxActive, 5)) {
		if e, ok := m.ends.value(); ok && e > 0 {
			v.life = act / e
		}
	}
	if a, ok := m.admits.value(); ok && m.admits.weight > 0.1 {
		v.admitRate = a
	}
	if q, ok := m.perPos.value(); ok {
		v.perPos = q
	}
	if len(m.errs) >= etaMinErrors {
		errs := slices.Sorted(slices.Values(m.errs))
		lo := math.Exp(quantile(errs, 0.04))
		hi := math.Exp(quantile(errs, 0.96))
		v.low = min(lo*0.93, etaMinLow)
		v.high = max(hi*1.07, etaMinHigh)
		v.learnt = true
	}
	return v
}

// quantile of sorted xs, interpolated.
func quantile(xs []float64, q float64) float64 {
	f := q * float64(len(xs)-1)
	i := int(f)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (f-float64(i))*(xs[i+1]-xs[i])
}

// wait is the estimated wait in seconds of the shopper with places ahead
// in line (live and not) and liveShare the share of them still polling.
func (v *etaView) wait(c etaCounts, p Policy, places uint64, liveShare float64) (secs float64, capacity bool) {
	share := liveShare
	if v.perPos > 0 {
		share = min(share, v.perPos)
	}
	need := float64(places)*share + 1
	rate := float64(p.PerMinute) / 60
	if rate <= 0 {
		return 0, false
	}
	t := need / rate
	// Once the free slots are taken, one more admission needs one more
	// session to end.
	free := float64(max(p.MaxActive-c.Active-c.Called, 0))
	if need > free && p.MaxActive > 0 {
		life := v.life
		if life == 0 {
			life = (p.SessionTTL + SessionGrace + 30*time.Second).Seconds()
		}
		tc := (need - free) * life / float64(p.MaxActive)
		if tc > t {
			t, capacity = tc, true
		}
	}
	return t, capacity
}

// etaRange turns an estimate into the range shown: scaled by the spread
// seen, with a few seconds for the polls' rounding at either end.
func (v *etaView) etaRange(mid float64, capacity bool) (lo, hi int) {
	low, high := v.low, v.high
	if !v.learnt {
		low, high = etaRateLow, etaRateHigh
		if capacity {
			low, high = etaPriorLow, etaPriorHigh
		}
	}
	if capacity && v.learnt {
		low, high = min(low, etaCapLow), max(high, etaCapHigh)
	}
	lo = max(int(math.Floor(mid*low))-2, 0)
	hi = int(math.Ceil(mid*high)) + 3
	return lo, hi
}
