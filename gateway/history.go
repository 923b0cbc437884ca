package gateway

import (
	"sync"
	"time"
)

// The dashboard's charts show each room's last 30 minutes, sampled every
// 2 s into a fixed ring per room: its memory and the cost of a sample are
// the same at ten shoppers and at a million.
const (
	historyEvery = 2 * time.Second
	historySpan  = 30 * time.Minute
	historyLen   = int(historySpan / historyEvery)
	// rateSpan is what the admissions per minute of a sample are measured
	// over: long enough to smooth the ticks, short enough to follow a change.
	rateSpan = time.Minute
)

// sample is one room's figures at one instant.
type sample struct {
	at                      time.Time
	waiting, active, called int
	admitted                uint64
	stockLeft               int
	stocked                 bool
}

// history is one room's ring of samples.
type history struct {
	mu   sync.Mutex
	ring [historyLen]sample
	next int // where the next sample goes
	n    int // samples held, up to historyLen
}

func (h *history) add(s sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ring[h.next] = s
	h.next = (h.next + 1) % historyLen
	h.n = min(h.n+1, historyLen)
}

// samples returns the samples held, oldest first.
func (h *history) samples() []sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]sample, h.n)
	first := (h.next - h.n + historyLen) % historyLen
	for i := range h.n {
		out[i] = h.ring[(first+i)%historyLen]
	}
	return out
}

// historyJSON is GET /api/v1/rooms/{name}/history: one array per figure,
// index by index, as uPlot draws them. T is Unix seconds.
type historyJSON struct {
	Room              string    `json:"room"`
	EverySeconds      int       `json:"every_seconds"`
	T                 []int64   `json:"t"`
	Waiting           []int     `json:"waiting"`
	Active            []int     `json:"active"`
	AdmittedPerMinute []float64 `json:"admitted_per_minute"`
	// StockLeft is omitted for a room that sells no limited stock.
	StockLeft []int `json:"stock_left,omitempty"`
}

// columns renders the ring. Admissions per minute at each sample are
// those over the rateSpan before it (or as much of it as is held).
func (h *history) columns(room string) historyJSON {
	ss := h.samples()
	j := historyJSON{Room: room, EverySeconds: int(historyEvery / time.Second),
		T: make([]int64, len(ss)), Waiting: make([]int, len(ss)), Active: make([]int, len(ss)),
		AdmittedPerMinute: make([]float64, len(ss))}
	stocked := len(ss) > 0 && ss[len(ss)-1].stocked
	if stocked {
		j.StockLeft = make([]int, len(ss))
	}
	from := 0
	for i, s := range ss {
		j.T[i] = s.at.Unix()
		j.Waiting[i], j.Active[i] = s.waiting, s.active
		for s.at.Sub(ss[from].at) > rateSpan {
			from++
		}
		if d := s.at.Sub(ss[from].at); d > 0 && s.admitted >= ss[from].admitted {
			j.AdmittedPerMinute[i] = float64(s.admitted-ss[from].admitted) / d.Minutes()
		}
		if stocked {
			j.StockLeft[i] = s.stockLeft
		}
	}
	return j
}

// histories holds every room's ring by name, so that a room keeps its
// history for as long as the node runs.
type histories struct {
	mu    sync.Mutex
	rooms map[string]*history
}

func newHistories() *histories { return &histories{rooms: make(map[string]*history)} }

func (hs *histories) of(room string) *history {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h := hs.rooms[room]
	if h == nil {
		h = new(history)
		hs.rooms[room] = h
	}
	return h
}

// sampleRooms adds every room's figures at now to its history.
func (g *Gateway) sampleRooms(now time.Time) {
	for _, r := range g.roomList() {
		o := r.engine.Overview()
		c := o.Counters
		g.history.of(r.name).add(sample{at: now, waiting: c.Waiting, active: c.Active, called: c.Called,
			admitted: c.Admitted, stockLeft: max(c.Stock.Left(), 0), stocked: o.Stocked})
	}
}
