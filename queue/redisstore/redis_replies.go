package redisstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The replies of the Lua scripts, decoded in one place. A script answers
// with name/value pairs (a flat array, as HGETALL does), and each reply is
// read here by name into a struct: a field added to a reply, or moved in
// it, cannot shift what Go reads from the others.

// fields reads a reply of name/value pairs; the first decoding failure is
// kept in err, so that a decoder reads every field and checks once.
type fields struct {
	m   map[string]any
	err error
}

func replyFields(what string, v any) *fields {
	f := &fields{m: map[string]any{}}
	a, ok := v.([]any)
	if !ok || len(a)%2 != 0 {
		f.err = fmt.Errorf("unexpected %s reply %v", what, v)
		return f
	}
	for i := 0; i < len(a); i += 2 {
		k, ok := a[i].(string)
		if !ok {
			f.err = fmt.Errorf("unexpected %s reply %v", what, v)
			return f
		}
		f.m[k] = a[i+1]
	}
	return f
}

func (f *fields) fail(name string) {
	if f.err == nil {
		f.err = fmt.Errorf("reply field %q: unexpected %v", name, f.m[name])
	}
}

// int reads a number.
func (f *fields) int(name string) int64 {
	n, ok := f.m[name].(int64)
	if !ok {
		f.fail(name)
	}
	return n
}

// str reads a string.
func (f *fields) str(name string) string {
	s, ok := f.m[name].(string)
	if !ok {
		f.fail(name)
	}
	return s
}

// has reports whether the reply holds name.
func (f *fields) has(name string) bool {
	_, ok := f.m[name]
	return ok
}

// decodeCounters reads the scripts' counters().
func decodeCounters(v any) (queue.Counters, error) {
	f := replyFields("counters", v)
	c := queue.Counters{
		Issued:   uint64(f.int("issued")),
		Serving:  uint64(f.int("serving")),
		Active:   int(f.int("active")),
		Called:   int(f.int("called")),
		Waiting:  int(f.int("waiting")),
		Admitted: uint64(f.int("admitted")),
		Stock: queue.Stock{Set: f.int("stock_set") == 1, Units: int(f.int("stock_units")),
			Held: int(f.int("stock_held")), Sold: int(f.int("stock_sold")), Expired: int(f.int("stock_expired"))},
		Outcomes: queue.Outcomes{Forfeited: uint64(f.int("forfeited")), Abandoned: uint64(f.int("abandoned")),
			Left: uint64(f.int("left"))},
	}
	if f.int("opened") == 1 {
		// The instant (ns) and the seed do not fit a Lua number: the
		// scripts hand back the strings Go wrote.
		at, err := strconv.ParseInt(f.str("opened_at"), 10, 64)
		if err != nil && f.err == nil {
			f.err = fmt.Errorf("unexpected opening instant %q", f.str("opened_at"))
		}
		seed, err := strconv.ParseUint(f.str("seed"), 10, 64)
		if err != nil && f.err == nil {
			f.err = fmt.Errorf("unexpected opening seed %q", f.str("seed"))
		}
		c.Opening = queue.Opening{Opened: true, At: time.Unix(0, at).UTC(), PrequeueEnd: uint64(f.int("pq_end")),
			Random: f.int("random") == 1, Seed: seed}
	}
	if f.err != nil {
		return queue.Counters{}, f.err
	}
	return c, nil
}

// joinReply is luaJoin's: the first of the Count numbers handed out.
type joinReply struct {
	First uint64
	Count int
}

func decodeJoin(v any) (joinReply, error) {
	f := replyFields("join", v)
	r := joinReply{First: uint64(f.int("first")), Count: int(f.int("count"))}
	if f.err == nil && r.First == 0 {
		f.err = fmt.Errorf("unexpected join reply %v", v)
	}
	return r, f.err
}

// moreReply is the reply of luaAdvance and luaSeen: More when the script
// stopped for want of what only Go can compute (see redis_advance.go), with
// the counters to compute it from. luaSeen sends counters only with More.
type moreReply struct {
	More     bool
	Counters queue.Counters
}

func decodeMore(what string, v any) (moreReply, error) {
	f := replyFields(what, v)
	var r moreReply
	switch code := f.str("code"); code {
	case "ok":
	case "more":
		r.More = true
	default:
		f.fail("code")
	}
	if f.err == nil && f.has("counters") {
		r.Counters, f.err = decodeCounters(f.m["counters"])
	}
	if f.err == nil && r.More && !f.has("counters") {
		f.err = fmt.Errorf("unexpected %s reply %v", what, v)
	}
	return r, f.err
}

// claimReply is luaClaim's.
type claimReply struct {
	Code claimCode
	// Session is the claim's session, with claimed.
	Session string
	// Counters come with notCalled: Go tells "not yet" from "too late" by
	// the ticket's position, which needs the permutation.
	Counters queue.Counters
}

type claimCode int64

const (
	claimed     claimCode = 1 // now or before, by a session still alive
	claimEnded  claimCode = 2 // its session has ended since
	claimNotDue claimCode = 3 // the ticket is not called
)

func decodeClaim(v any) (claimReply, error) {
	f := replyFields("claim", v)
	r := claimReply{Code: claimCode(f.int("code"))}
	switch r.Code {
	case claimed:
		r.Session = f.str("session")
	case claimEnded:
	case claimNotDue:
		if f.err == nil {
			r.Counters, f.err = decodeCounters(f.m["counters"])
		}
	default:
		f.fail("code")
	}
	return r, f.err
}
