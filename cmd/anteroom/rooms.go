package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// roomView is one room in GET /api/v1/rooms.
type roomView struct {
	Name              string  `json:"name"`
	State             string  `json:"state"`
	Waiting           int     `json:"waiting"`
	Active            int     `json:"active"`
	Called            int     `json:"called"`
	Arrivals          uint64  `json:"arrivals"`
	Admitted          uint64  `json:"admitted"`
	AdmittedPerMinute float64 `json:"admitted_per_minute"`
	ETASeconds        *int    `json:"eta_seconds"`
	Limits            struct {
		MaxActiveUsers    int    `json:"max_active_users"`
		NewUsersPerMinute int    `json:"new_users_per_minute"`
		Burst             int    `json:"burst"`
		SessionDuration   string `json:"session_duration"`
		OpensAt           string `json:"opens_at"`
		ClosesAt          string `json:"closes_at"`
	} `json:"limits"`
	Stock *struct {
		Total int `json:"total"`
		Left  int `json:"left"`
		Held  int `json:"held"`
		Sold  int `json:"sold"`
	} `json:"stock"`
}

// roomsCmd prints every room's live figures as a table, or as the API's
// JSON with -o json.
func roomsCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rooms", stderr)
	client := adminFlags(fs)
	out := fs.String("o", "table", "output: table or json")
	if code := parseFlags(fs, args); code != 0 {
		return code
	}
	if *out != "table" && *out != "json" {
		fmt.Fprintf(stderr, "anteroom rooms: -o must be table or json, got %q\n", *out)
		return 2
	}
	var raw json.RawMessage
	if err := client().do(http.MethodGet, "/api/v1/rooms", nil, &raw); err != nil {
		return exitFor("rooms", err, stderr)
	}
	if *out == "json" {
		fmt.Fprintln(stdout, string(raw))
		return 0
	}
	var ans struct {
		Rooms []roomView `json:"rooms"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		fmt.Fprintf(stderr, "anteroom rooms: reading the answer: %v\n", err)
		return 1
	}
	printRooms(stdout, ans.Rooms)
	return 0
}

// printRooms writes rooms as kubectl writes a list: upper-case headers,
// columns padded with spaces, "-" for what does not apply.
func printRooms(w io.Writer, rooms []roomView) {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tWAITING\tACTIVE\tMAX-ACTIVE\tADMITTED/MIN\tRATE/MIN\tETA\tSTOCK-LEFT\tSOLD")
	for _, r := range rooms {
		eta, left, sold := "-", "-", "-"
		if r.ETASeconds != nil {
			eta = (time.Duration(*r.ETASeconds) * time.Second).String()
		}
		if r.Stock != nil {
			left = fmt.Sprintf("%d/%d", r.Stock.Left, r.Stock.Total)
			sold = strconv.Itoa(r.Stock.Sold)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%d\t%s\t%s\t%s\n", r.Name, r.State, r.Waiting, r.Active,
			r.Limits.MaxActiveUsers, strconv.FormatFloat(r.AdmittedPerMinute, 'f', -1, 64), r.Limits.NewUsersPerMinute, eta, left, sold)
	}
	tw.Flush()
}

// roomCmd changes one room: pause, resume, close, set KEY=VALUE…,
// overrides (list them), clear (drop them).
func roomCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("room", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: anteroom room pause|resume|close|overrides|clear NAME [flags]
       anteroom room set NAME KEY=VALUE... [flags]
keys: max_active_users, new_users_per_minute, burst, session_duration (10m),
      opens_at, closes_at (RFC 3339; empty to unset), stock
flags:
`)
		fs.PrintDefaults()
	}
	client := adminFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) < 2 {
		fmt.Fprintln(stderr, "anteroom room: name a verb and a room")
		fs.Usage()
		return 2
	}
	verb, name, rest := pos[0], pos[1], pos[2:]
	path := "/api/v1/rooms/" + url.PathEscape(name)
	var method string
	var body any
	switch verb {
	case "pause", "resume", "close":
		method, path = http.MethodPost, path+"/"+verb
	case "overrides":
		method, path = http.MethodGet, path+"/overrides"
	case "clear":
		method, path = http.MethodDelete, path+"/overrides"
	case "set":
		if len(rest) == 0 {
			fmt.Fprintln(stderr, "anteroom room set: name at least one KEY=VALUE, like max_active_users=800")
			return 2
		}
		set := make(map[string]string, len(rest))
		for _, kv := range rest {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				fmt.Fprintf(stderr, "anteroom room set: %q is not KEY=VALUE\n", kv)
				return 2
			}
			set[k] = v
		}
		method, body = http.MethodPatch, set
		rest = nil
	default:
		fmt.Fprintf(stderr, "anteroom room: unknown verb %q\n", verb)
		fs.Usage()
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "anteroom room %s: unexpected argument %q\n", verb, rest[0])
		return 2
	}
	var ans struct {
		Changed   map[string]string `json:"changed"`
		Paused    bool              `json:"paused"`
		Closed    bool              `json:"closed"`
		Overrides map[string]struct {
			Value, File, From string
			At                time.Time
		} `json:"overrides"`
		Precedence string `json:"precedence"`
	}
	if err := client().do(method, path, body, &ans); err != nil {
		return exitFor("room "+verb, err, stderr)
	}
	if len(ans.Changed) == 0 && verb != "overrides" {
		fmt.Fprintf(stdout, "room %s: unchanged\n", name)
	}
	for _, k := range sortedKeys(ans.Changed) {
		fmt.Fprintf(stdout, "room %s: %s = %s\n", name, k, ans.Changed[k])
	}
	for _, k := range sortedKeys(ans.Overrides) {
		o := ans.Overrides[k]
		fmt.Fprintf(stdout, "override %s = %s (file: %q; set %s from %s)\n", k, o.Value, o.File, o.At.Format(time.RFC3339), o.From)
	}
	fmt.Fprintf(stdout, "paused: %v, closed: %v\n", ans.Paused, ans.Closed)
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// reloadCmd asks a node to read its configuration file again.
func reloadCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("reload", stderr)
	client := adminFlags(fs)
	if code := parseFlags(fs, args); code != 0 {
		return code
	}
	if err := client().do(http.MethodPost, "/api/v1/reload", nil, nil); err != nil {
		return exitFor("reload", err, stderr)
	}
	fmt.Fprintln(stdout, "configuration reloaded")
	return 0
}

// healthCmd exits 0 when the node's /readyz says ready: a container's
// HEALTHCHECK (the distroless image has no shell and no curl).
func healthCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("health", stderr)
	client := adminFlags(fs)
	if code := parseFlags(fs, args); code != 0 {
		return code
	}
	c := client()
	c.http.Timeout = 5 * time.Second
	req, err := http.NewRequest(http.MethodGet, c.base+"/readyz", nil)
	if err != nil {
		fmt.Fprintf(stderr, "anteroom health: %v\n", err)
		return 1
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token) // for the reasons in full
	}
	resp, err := c.http.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "anteroom health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "anteroom health: %s", b)
		return 1
	}
	fmt.Fprintf(stdout, "%s", b)
	return 0
}
