package match

// Request is one request's path in the forms rooms match on. Its buffers
// are reused: a gateway keeps Requests in a pool.
type Request struct {
	// Canonical is the path the origin is sent (see Path).
	Canonical []byte
	// noParams is Canonical without ;parameters: Canonical itself when it
	// has none, which is nearly always.
	noParams []byte
	// folded holds the lower-case forms once a case-insensitive room has
	// asked for them.
	folded     [2][]byte
	haveFolded bool
	buf        [3][]byte
}

// Set reads raw, a request's path as sent, into r. On error r holds nothing
// usable and the request is to be refused.
func (r *Request) Set(raw []byte) error {
	var err error
	r.haveFolded = false
	r.buf[0], err = Path(r.buf[0][:0], raw, false)
	if err != nil {
		return err
	}
	r.Canonical = r.buf[0]
	r.noParams = r.Canonical
	if HasParams(r.Canonical) {
		// Cannot fail: Canonical is canonical.
		r.buf[1], _ = Path(r.buf[1][:0], r.Canonical, true)
		r.noParams = r.buf[1]
	}
	return nil
}

// forms returns the canonical form and the one without ;parameters, folded
// to lower case if fold.
func (r *Request) forms(fold bool) (canonical, noParams []byte) {
	if !fold {
		return r.Canonical, r.noParams
	}
	if !r.haveFolded {
		b := Fold(r.buf[2][:0], r.Canonical)
		n := len(b)
		b = Fold(b, r.noParams)
		r.buf[2] = b
		r.folded = [2][]byte{b[:n:n], b[n:]}
		r.haveFolded = true
	}
	return r.folded[0], r.folded[1]
}

// Any returns the specificity of the most specific pattern in ps that
// matches any way an origin may read the path — as it is, without its
// ;parameters, and either without a trailing slash — or -1. Rooms and
// purchase paths match this way: whichever way the origin reads it, the
// request is treated as what it may turn out to be.
func (r *Request) Any(ps []Pattern, fold bool) int {
	c, n := r.forms(fold)
	best := bestOf(ps, c)
	if len(n) != len(c) {
		best = max(best, bestOf(ps, n))
	}
	return best
}

// bestOf is Best of path and of path without its trailing slash.
func bestOf(ps []Pattern, path []byte) int {
	best := Best(ps, path)
	if t := TrimSlash(path); len(t) != len(path) {
		best = max(best, Best(ps, t))
	}
	return best
}

// All reports whether patterns in ps match the path both as it is and
// without its ;parameters. A bypass matches this way, so that no spelling
// an origin could read as another path skips a room.
func (r *Request) All(ps []Pattern, fold bool) bool {
	c, n := r.forms(fold)
	return Best(ps, c) >= 0 && (len(n) == len(c) || Best(ps, n) >= 0)
}
