package token

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The appenders below write the JSON that encoding/json writes for
// ticketClaims and sessionClaims (and for the header map golang-jwt
// marshals): the same fields in the same order, the same omitempty rules and
// the same string escaping. A token signed by the Ring is therefore
// byte-for-byte the one golang-jwt would have signed, which the tests check
// against a reference signer, and it parses back through golang-jwt as before.

// appendTicketClaims appends t as ticketClaims marshals: room, n, pq (only
// when true), line (only when not 0), dev, then the registered claims.
func appendTicketClaims(b []byte, t *Ticket) []byte {
	b = append(b, `{"room":`...)
	b = appendJSONString(b, t.Room)
	b = append(b, `,"n":`...)
	b = strconv.AppendUint(b, t.Number, 10)
	if t.Prequeue {
		b = append(b, `,"pq":true`...)
	}
	if t.Line != 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendUint(b, t.Line, 10)
	}
	b = append(b, `,"dev":`...)
	b = appendJSONString(b, t.Device)
	b = appendRegistered(b, ticketSpec, "", t.IssuedAt, t.Expires)
	return append(b, '}')
}

// appendSessionClaims appends s as sessionClaims marshals: room, sid, then
// the registered claims with "sub" repeating the session id.
func appendSessionClaims(b []byte, s *Session) []byte {
	b = append(b, `{"room":`...)
	b = appendJSONString(b, s.Room)
	b = append(b, `,"sid":`...)
	b = appendJSONString(b, s.ID)
	b = appendRegistered(b, sessionSpec, s.ID, s.IssuedAt, s.Expires)
	return append(b, '}')
}

// appendRegistered appends the claims registered() fills, in the field order
// of jwt.RegisteredClaims (iss, sub, aud, exp, nbf, iat, jti), each left out
// when empty as its omitempty tag says. "aud" is an array even with one
// element, as jwt.MarshalSingleStringAsArray (true by default) has it.
func appendRegistered(b []byte, s *kindSpec, sub string, iat, exp time.Time) []byte {
	b = append(b, `,"iss":`...)
	b = appendJSONString(b, Issuer)
	if sub != "" {
		b = append(b, `,"sub":`...)
		b = appendJSONString(b, sub)
	}
	b = append(b, `,"aud":[`...)
	b = appendJSONString(b, s.aud)
	b = append(b, ']')
	if !exp.IsZero() {
		b = append(b, `,"exp":`...)
		b = appendNumericDate(b, exp)
	}
	if !iat.IsZero() {
		b = append(b, `,"iat":`...)
		b = appendNumericDate(b, iat)
	}
	return b
}

// appendNumericDate appends t as jwt.NumericDate marshals it at the default
// jwt.TimePrecision of a second: whole seconds since the epoch, no fraction.
// t.Unix() rounds down, as NewNumericDate's Truncate does, also before 1970.
func appendNumericDate(b []byte, t time.Time) []byte {
	return strconv.AppendInt(b, t.Unix(), 10)
}

// appendJSONString appends s as a JSON string (RFC 8259) escaped the way
// encoding/json.Marshal escapes: '"', '\\' and control characters; also '<',
// '>' and '&' (HTML-safe) and U+2028, U+2029; each byte of invalid UTF-8
// becomes U+FFFD. Rooms and ids are validated ASCII upstream, so the loop
// almost always copies the string in one append.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript before ES2019.
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
