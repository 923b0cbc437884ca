package token

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Times in every token are carried to the second (JWT NumericDate), so a
// parsed IssuedAt or Expires is the signed one truncated to the second.

// Ticket is a shopper's place in a room's queue. It is carried by the client
// so that a waiting shopper costs the server no memory, and it survives
// gateway restarts and moves between nodes.
type Ticket struct {
	Room     string // claim "room"
	Number   uint64 // claim "n": ticket number in the room's queue, from 1
	Prequeue bool   // claim "pq": issued before the room opened
	// Line is the room's serving counter when the ticket was issued (claim
	// "line", left out when 0): the waiting page's progress counts the line
	// served since, the same on every node.
	Line     uint64
	Device   string    // claim "dev": random id of the client (hex)
	IssuedAt time.Time // claim "iat"; optional
	Expires  time.Time // claim "exp"; required
}

// Session is an admitted shopper.
type Session struct {
	Room     string    // claim "room"
	ID       string    // claim "sid", repeated as "sub"
	IssuedAt time.Time // claim "iat"; optional
	Expires  time.Time // claim "exp"; required
}

// Purchase is a hold on one unit of a room's stock, handed to the origin.
type Purchase struct {
	Room     string    // claim "room"
	HoldID   string    // claim "jti"
	Session  string    // claim "sub": the session that took the hold
	IssuedAt time.Time // claim "iat"; optional
	Expires  time.Time // claim "exp"; required, when the hold lapses
}

// The claims structs are what golang-jwt decodes into. Typed structs rather
// than jwt.MapClaims keep decoding cheap and make a claim of the wrong JSON
// type a decoding error. Their Validate methods are run by golang-jwt after
// the signature and the registered claims have been checked.

type ticketClaims struct {
	Room     string `json:"room"`
	Number   uint64 `json:"n"`
	Prequeue bool   `json:"pq,omitempty"`
	Line     uint64 `json:"line,omitempty"`
	Device   string `json:"dev"`
	jwt.RegisteredClaims
}

type sessionClaims struct {
	Room string `json:"room"`
	SID  string `json:"sid"`
	jwt.RegisteredClaims
}

type purchaseClaims struct {
	Room string `json:"room"`
	jwt.RegisteredClaims
}

// registered fills the claims every kind carries.
func registered(s *kindSpec, iat, exp time.Time) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{
		Issuer:    Issuer,
		Audience:  jwt.ClaimStrings{s.aud},
		IssuedAt:  numericDate(iat),
		ExpiresAt: numericDate(exp),
	}
}

// validateRegistered holds the checks golang-jwt has no option for. anteroom
// never issues "nbf"; refusing it means a cached token needs only its "exp"
// checked again. One audience only, so no token can name two kinds.
func validateRegistered(c *jwt.RegisteredClaims) error {
	switch {
	case c.ExpiresAt == nil:
		return errNoExpiry
	case c.NotBefore != nil:
		return errNotBefore
	case len(c.Audience) != 1:
		return errAudience
	}
	return nil
}

func (c *ticketClaims) Validate() error {
	switch {
	case c.Room == "":
		return errNoRoom
	case c.Number == 0:
		return errNoNumber
	case c.Device == "":
		return errNoDevice
	}
	return validateRegistered(&c.RegisteredClaims)
}

func (c *sessionClaims) Validate() error {
	switch {
	case c.Room == "":
		return errNoRoom
	case c.SID == "":
		return errNoSession
	case c.Subject != c.SID:
		return errSubject
	}
	return validateRegistered(&c.RegisteredClaims)
}

func (c *purchaseClaims) Validate() error {
	switch {
	case c.Room == "":
		return errNoRoom
	case c.ID == "":
		return errNoHold
	case c.Subject == "":
		return errNoSession
	}
	return validateRegistered(&c.RegisteredClaims)
}

func (c *ticketClaims) ticket() Ticket {
	return Ticket{
		Room:     c.Room,
		Number:   c.Number,
		Prequeue: c.Prequeue,
		Line:     c.Line,
		Device:   c.Device,
		IssuedAt: timeOf(c.IssuedAt),
		Expires:  timeOf(c.ExpiresAt),
	}
}

func (c *sessionClaims) session() Session {
	return Session{
		Room:     c.Room,
		ID:       c.SID,
		IssuedAt: timeOf(c.IssuedAt),
		Expires:  timeOf(c.ExpiresAt),
	}
}

func purchaseToClaims(p Purchase) *purchaseClaims {
	c := &purchaseClaims{
		Room:             p.Room,
		RegisteredClaims: registered(purchaseSpec, p.IssuedAt, p.Expires),
	}
	c.ID = p.HoldID
	c.Subject = p.Session
	return c
}

func (c *purchaseClaims) purchase() Purchase {
	return Purchase{
		Room:     c.Room,
		HoldID:   c.ID,
		Session:  c.Subject,
		IssuedAt: timeOf(c.IssuedAt),
		Expires:  timeOf(c.ExpiresAt),
	}
}
