package gateway

import (
	"bytes"

	"github.com/anteroom/anteroom/gateway/match"
)

// router finds the room of a request: by host first, then by the most
// specific path. Rooms are few, so a scan beats anything cleverer.
type router struct {
	rooms []*room
}

// route returns the room a request belongs to, and whether the request is
// on that room's bypass list. A nil room means no room: proxy at once. The
// path is matched in every form an origin may read it (match.Request.Any),
// while a bypass must hold for each of them (match.Request.All).
func (rt *router) route(host []byte, path *match.Request) (*room, bool) {
	host = match.RequestHost(host)
	var best *room
	bestScore := -1
	for _, r := range rt.rooms {
		if !r.hostMatches(host) {
			continue
		}
		score := path.Any(r.paths, r.fold)
		// A room naming its hosts beats one that takes any host.
		if score >= 0 && len(r.hosts) > 0 {
			score += 1 << 20
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	if best == nil {
		return nil, false
	}
	return best, len(best.bypass) > 0 && path.All(best.bypass, best.fold)
}

// isPurchase reports whether a request of room r is for one of its
// purchase paths, in any form an origin may read it.
func (r *room) isPurchase(path *match.Request) bool {
	return len(r.purchase) > 0 && path.Any(r.purchase, r.fold) >= 0
}

// hostMatches compares a request's host (match.RequestHost) with the
// room's, which were parsed at load (match.ParseHost).
func (r *room) hostMatches(host []byte) bool {
	if len(r.hosts) == 0 {
		return true
	}
	for _, h := range r.hosts {
		if bytes.EqualFold(host, h) {
			return true
		}
	}
	return false
}
