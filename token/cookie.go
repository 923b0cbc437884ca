package token

import "bytes"

// The cookies the gateway keeps tokens in.
const (
	TicketCookie  = "anteroom_ticket"
	SessionCookie = "anteroom_session"
)

// CookieValue returns the value of cookie name in header, the raw value of a
// request's Cookie header ("a=1; b=2"). It is written for untrusted input on
// the hot path: it does not allocate, and the result is a sub-slice of header
// (so it is only valid as long as header is).
//
// It returns nil if the cookie is absent, empty, or its value holds a byte
// RFC 6265 does not allow in a cookie value (space, '"', ',', ';', '\\',
// control and non-ASCII bytes); a value in double quotes is returned without
// them. Names match exactly and case-sensitively, so "xanteroom_ticket" is
// not "anteroom_ticket"; spaces and tabs around names and values are
// ignored. If the name appears more than once the first one counts, as
// browsers send the cookie with the most specific path first.
func CookieValue(header []byte, name string) []byte {
	v, _, _ := NextCookie(header, name)
	return v
}

// NextCookie finds the next cookie called name in header: its value, as
// CookieValue gives it (nil if it does not qualify), the rest of header
// after it, and whether there was one at all. A caller looks at every
// cookie of that name in turn by passing rest back in.
func NextCookie(header []byte, name string) (value, rest []byte, found bool) {
	if name == "" {
		return nil, nil, false
	}
	for len(header) > 0 {
		var pair []byte
		if i := bytes.IndexByte(header, ';'); i >= 0 {
			pair, header = header[:i], header[i+1:]
		} else {
			pair, header = header, nil
		}
		eq := bytes.IndexByte(pair, '=')
		if eq < 0 || string(trimOWS(pair[:eq])) != name {
			continue
		}
		return cookieValue(trimOWS(pair[eq+1:])), header, true
	}
	return nil, nil, false
}

// cookieValue unquotes v and checks it holds only cookie-octets.
func cookieValue(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if len(v) == 0 {
		return nil
	}
	for _, b := range v {
		if !isCookieOctet(b) {
			return nil
		}
	}
	return v
}

// isCookieOctet reports whether b may appear in a cookie value (RFC 6265
// section 4.1.1: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E).
func isCookieOctet(b byte) bool {
	return b >= 0x21 && b <= 0x7e && b != '"' && b != ',' && b != ';' && b != '\\'
}

// trimOWS drops the spaces and tabs HTTP allows around a cookie pair.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
