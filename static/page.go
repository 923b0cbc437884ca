package static

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// PageData is everything the waiting page shows. Custom templates are executed with
// the same value; the package documentation lists the fields for operators.
type PageData struct {
	Title           string // room's page title, e.g. "PS5 drop"
	Room            string
	State           string // "prequeue" | "waiting" | "admitted" | "sold_out" | "closed" | "paused" | "unavailable" (store down: honest message)
	Position        uint64 // place in line: people ahead still waiting + 1 (0 if unknown / not applicable)
	Ahead           uint64 // people ahead still waiting
	Ticket          uint64 // the ticket's number: shown small and labelled, since it never changes (0 if unknown)
	ETALow, ETAHigh int    // seconds, ETA range; both 0 = unknown
	Progress        int    // 0..100 how far through the line since the ticket was taken
	PollAfterMS     int    // when to ask again
	OpensInSeconds  int    // pre-queue countdown (0 when open)
	Redirect        string // where to go when admitted (a same-site path like "/ps5?x=1")
	StatusURL       string // "/.anteroom/status" (plus query if any)
	Message         string // extra honest text, e.g. "Our queue service is unavailable; you keep your place."
	MessageCount    uint64 // the number Message has in it, if any (queue.Status.Count)
	Text            *Text  // the page's language and words (Texts.For); nil means the built-in English
	// The shop's own look (page.message, page.home_url, page.logo_file, page.accent_color).
	Notice  string        // one line of plain text from the shop; "" for none
	HomeURL string        // the shop's home, an http(s) URL, linked on the sold-out and closed pages; "" for none
	Logo    template.URL  // the logo as a data: URI from LoadLogo; "" for none
	Style   template.HTML // the <style> element from AccentStyle; "" for the built-in colours
}

// The states a page can be in.
const (
	StatePrequeue    = "prequeue"
	StateWaiting     = "waiting"
	StateAdmitted    = "admitted"
	StateSoldOut     = "sold_out"
	StateClosed      = "closed"
	StatePaused      = "paused"
	StateUnavailable = "unavailable"
)

const (
	defaultTitle     = "Waiting room"
	defaultStatusURL = "/.anteroom/status"
	defaultPollMS    = 5000
	minPollMS        = 1000
)

var page = template.Must(template.New("waiting.html").Funcs(funcs).ParseFS(files, "templates/waiting.html"))

// Render writes the built-in waiting page for d. It writes exactly what RenderWith
// would write with the built-in template, without executing it: see render_fast.go.
func Render(w io.Writer, d PageData) error {
	if builtInErr != nil {
		return executeTemplate(page, w, d)
	}
	r := renderers.Get().(*renderer)
	defer r.release()
	r.out = r.appendPage(r.out[:0], builtIn, normalize(d))
	if _, err := w.Write(r.out); err != nil {
		return fmt.Errorf("writing waiting page: %w", err)
	}
	return nil
}

// RenderWith writes the page for d using t, a template from [ParseTemplate]; a nil t
// means the built-in page. The page is rendered in full before anything is written, so
// a template that fails half-way never sends half a page.
func RenderWith(t *template.Template, w io.Writer, d PageData) error {
	if t == nil {
		return Render(w, d)
	}
	return executeTemplate(t, w, d)
}

func executeTemplate(t *template.Template, w io.Writer, d PageData) error {
	buf := bufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bufs.Put(buf)
		}
	}()
	if err := t.Execute(buf, normalize(d)); err != nil {
		return fmt.Errorf("rendering waiting page: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing waiting page: %w", err)
	}
	return nil
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ParseTemplate loads an operator's html/template file and checks it by executing it
// once for every state against sample data, so that a misspelt field or function is
// reported when the configuration is loaded rather than to the first shopper. Errors
// name the file. The template gets the functions listed in the package documentation.
func ParseTemplate(path string) (*template.Template, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading page template: %w", err)
	}
	t, err := template.New(filepath.Base(path)).Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parsing page template %s: %w", path, err)
	}
	var out bytes.Buffer
	for _, d := range samples() {
		out.Reset()
		if err := t.Execute(&out, normalize(d)); err != nil {
			return nil, fmt.Errorf("checking page template %s: state %s: %w", path, d.State, err)
		}
		if len(bytes.TrimSpace(out.Bytes())) == 0 {
			return nil, fmt.Errorf("checking page template %s: state %s: the page is empty", path, d.State)
		}
	}
	return t, nil
}

// samples returns one PageData per state with every field set, so that a check run
// reaches the branches a template takes for each state.
func samples() []PageData {
	states := []string{StatePrequeue, StateWaiting, StateAdmitted, StateSoldOut, StateClosed, StatePaused, StateUnavailable}
	out := make([]PageData, len(states))
	for i, s := range states {
		out[i] = PageData{
			Title: "Sample drop", Room: "sample", State: s,
			Position: 1234, Ahead: 1233, Ticket: 1280, ETALow: 180, ETAHigh: 300, Progress: 42,
			PollAfterMS: 5000, OpensInSeconds: 754, Redirect: "/sample?x=1",
			StatusURL: defaultStatusURL, Message: "Sample message.",
			Notice: "Sample notice.", HomeURL: "https://shop.example/", Logo: sampleLogo,
			Style: "<style>:root{--accent:#1d4ed8}</style>",
		}
	}
	return out
}

// sampleLogo is a one-pixel PNG, so that a template's logo branch runs when checked.
const sampleLogo template.URL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// normalize makes d safe and consistent before any template sees it; the package
// documentation describes each rule.
func normalize(d PageData) PageData {
	if d.Title == "" {
		d.Title = defaultTitle
	}
	if d.Text == nil {
		d.Text = english
	}
	// The engine's own messages are written in English; say them in the page's language.
	if i, ok := englishMessages[d.Message]; ok {
		d.Message = d.Text.words[i]
	} else if s, ok := translateCounted(d.Text, d.Message, d.MessageCount); ok {
		d.Message = s
	}
	switch d.State {
	case "":
		d.State = StateWaiting
	case StatePrequeue, StateWaiting, StateAdmitted, StateSoldOut, StateClosed, StatePaused, StateUnavailable:
	default:
		d.State = StateUnavailable
	}
	d.Progress = min(max(d.Progress, 0), 100)
	switch {
	case d.PollAfterMS <= 0:
		d.PollAfterMS = defaultPollMS
	case d.PollAfterMS < minPollMS:
		d.PollAfterMS = minPollMS
	}
	d.ETALow, d.ETAHigh = max(d.ETALow, 0), max(d.ETAHigh, 0)
	if d.ETALow > d.ETAHigh {
		d.ETALow, d.ETAHigh = d.ETAHigh, d.ETALow
	}
	d.OpensInSeconds = max(d.OpensInSeconds, 0)
	// The look is built by LoadLogo, AccentStyle and checked by CheckHomeURL; a
	// PageData made in code gets nothing else through.
	if !strings.HasPrefix(string(d.Logo), "data:image/png;base64,") && !strings.HasPrefix(string(d.Logo), "data:image/svg+xml;base64,") {
		d.Logo = ""
	}
	if d.HomeURL != "" && CheckHomeURL(d.HomeURL) != nil {
		d.HomeURL = ""
	}
	d.Redirect = sitePath(d.Redirect, "/")
	d.StatusURL = sitePath(d.StatusURL, defaultStatusURL)
	return d
}

// sitePath returns p if it is a path on this site, else fallback. Browsers read "//x"
// and "/\x" as another host, and drop tabs and newlines before parsing ("/\t/x"), so
// those are refused along with anything that does not start with "/".
func sitePath(p, fallback string) string {
	if p == "" || p[0] != '/' || len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return fallback
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return fallback
		}
	}
	return p
}
