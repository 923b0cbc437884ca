package gateway

import (
	"encoding/json"
	"strings"

	"github.com/valyala/fasthttp"
)

// adminRoute is one path of the admin listener. A {name} segment matches
// a room's name, which the handler gets in adminCall.
type adminRoute struct {
	method string
	path   string
	// open routes answer without the bearer token: probes, and the
	// dashboard's page and assets, which hold no figures (its figures come
	// from the API, with the token the page asks for).
	open   bool
	handle func(*fasthttp.RequestCtx, adminCall)
}

// adminCall is what the router learnt of a request.
type adminCall struct {
	name       string // the {name} segment, if the route has one
	authorized bool   // the bearer token was sent (or none is set)
}

type adminRoutes []adminRoute

// adminRoutes is the admin listener's table of contents.
func (g *Gateway) adminRoutes() adminRoutes {
	return adminRoutes{
		{"GET", "/healthz", true, g.healthz},
		{"GET", "/readyz", true, g.readyz},
		{"GET", "/metrics", false, g.metricsHandler()},
		{"GET", "/api/v1/rooms", false, g.apiRooms},
		{"GET", "/api/v1/rooms/{name}", false, g.apiRoom},
		{"GET", "/api/v1/rooms/{name}/history", false, g.apiHistory},
		{"PATCH", "/api/v1/rooms/{name}", false, g.patchRoom},
		{"POST", "/api/v1/rooms/{name}/pause", false, g.roomCommand("pause")},
		{"POST", "/api/v1/rooms/{name}/resume", false, g.roomCommand("resume")},
		{"POST", "/api/v1/rooms/{name}/close", false, g.roomCommand("close")},
		{"GET", "/api/v1/rooms/{name}/overrides", false, g.getOverrides},
		{"DELETE", "/api/v1/rooms/{name}/overrides", false, g.clearOverrides},
		{"POST", "/api/v1/reload", false, g.reloadHandler},
		{"GET", "/", true, g.dashboard},
		{"GET", "/dashboard/{name}", true, g.dashboardAsset},
	}
}

// find returns the route for the request and the {name} it matched. With
// no route for its method, allow lists the methods the path has, if any.
func (rs adminRoutes) find(ctx *fasthttp.RequestCtx) (rt *adminRoute, name, allow string) {
	path := string(ctx.Path())
	method := string(ctx.Method())
	if method == "HEAD" {
		method = "GET"
	}
	var methods []string
	for i := range rs {
		n, ok := matchRoute(rs[i].path, path)
		if !ok {
			continue
		}
		if rs[i].method == method {
			return &rs[i], n, ""
		}
		methods = append(methods, rs[i].method)
	}
	return nil, "", strings.Join(methods, ", ")
}

// matchRoute matches path against pattern segment by segment; {name}
// takes one non-empty segment.
func matchRoute(pattern, path string) (name string, ok bool) {
	for {
		ps, pRest, pMore := strings.Cut(strings.TrimPrefix(pattern, "/"), "/")
		s, rest, more := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		switch {
		case pMore != more:
			return "", false
		case ps == "{name}":
			if s == "" {
				return "", false
			}
			name = s
		case ps != s:
			return "", false
		}
		if !pMore {
			return name, true
		}
		pattern, path = "/"+pRest, "/"+rest
	}
}

// adminJSON writes v as the answer.
func adminJSON(ctx *fasthttp.RequestCtx, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		adminError(ctx, fasthttp.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

// adminError is the one shape of the admin API's errors: {"error": msg},
// msg saying what was wrong and, where it helps, what to do.
func adminError(ctx *fasthttp.RequestCtx, code int, msg string) {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}
