package static

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, d PageData) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.String()
}

func waitingData() PageData {
	return PageData{
		Title: "PS5 drop", Room: "ps5", State: StateWaiting,
		Position: 1234, Ahead: 1233, Ticket: 1280, ETALow: 180, ETAHigh: 300, Progress: 42,
		PollAfterMS: 2500, Redirect: "/ps5?x=1", StatusURL: "/.anteroom/status",
	}
}

func TestRenderStates(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*PageData)
		want   []string
		absent []string
	}{
		{
			name: "waiting",
			want: []string{
				"<h2>You&#39;re in line</h2>",
				"<title>(1,234) PS5 drop</title>",
				`<p class="pos"><span>Your place in line</span> <strong data-field="position">1,234</strong></p>`,
				`<p class="ticket" data-need="ticket">Ticket number <span data-field="ticket">1,280</span></p>`,
				`<dd data-field="ahead">1,233</dd>`,
				`<dd data-field="eta">about 3–5 minutes</dd>`,
				`<progress id="anteroom-progress" max="100" value="42" aria-labelledby="anteroom-progress-label"`,
				`<label for="anteroom-progress" id="anteroom-progress-label">`,
				`<span data-field="percent">42%</span>`,
				"Don&#39;t refresh — you keep your place, this page updates itself.",
				`<noscript><meta http-equiv="refresh" content="3"></noscript>`,
			},
		},
		{
			name:   "waiting, position unknown",
			modify: func(d *PageData) { d.Position, d.Ahead, d.ETALow, d.ETAHigh = 0, 0, 0, 0 },
			want: []string{
				`<div data-need="position" hidden>`,
				"<title>PS5 drop</title>",
				`<div class="bar" data-need="position" hidden>`,
				"We&#39;ll update this as the line moves",
			},
		},
		{
			name: "prequeue",
			modify: func(d *PageData) {
				d.State, d.Position, d.OpensInSeconds, d.PollAfterMS = StatePrequeue, 0, 3723, 10000
			},
			want: []string{
				"The sale opens soon",
				`<p id="anteroom-opens">Opens in</p>`,
				`role="timer" aria-labelledby="anteroom-opens" data-field="countdown">01:02:03</p>`,
				`data-opens-in="3723"`,
				"<title>PS5 drop</title>",
				`<noscript><meta http-equiv="refresh" content="10"></noscript>`,
			},
		},
		{
			name:   "admitted",
			modify: func(d *PageData) { d.State = StateAdmitted },
			want:   []string{"It&#39;s your turn", `<a class="btn" href="/ps5?x=1" data-field="redirect">`, "<title>PS5 drop</title>"},
		},
		{
			name:   "sold out",
			modify: func(d *PageData) { d.State = StateSoldOut },
			// Stock may come back as holds expire: keep looking.
			want: []string{"Sold out — all units have been claimed. We&#39;re sorry.", `<noscript><meta http-equiv="refresh" content="3"></noscript>`, "<title>PS5 drop</title>"},
		},
		{
			name:   "closed",
			modify: func(d *PageData) { d.State = StateClosed },
			want:   []string{"This sale is closed", "no longer taking new shoppers", "Already in line? Keep your page open", "will still be served", "<title>PS5 drop</title>"},
			// Closing is final: a page without JavaScript stops reloading.
			absent: []string{`http-equiv="refresh"`},
		},
		{
			name:   "paused",
			modify: func(d *PageData) { d.State = StatePaused },
			want:   []string{"The line is paused for a moment; you keep your place.", "<title>(1,234) PS5 drop</title>"},
		},
		{
			name: "unavailable with message",
			modify: func(d *PageData) {
				d.State, d.Message = StateUnavailable, "Our queue service is unavailable; you keep your place."
			},
			want: []string{
				"We&#39;re having trouble",
				"<title>(1,234) PS5 drop</title>",
				`<p class="note" data-field="message">Our queue service is unavailable; you keep your place.</p>`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := waitingData()
			if tt.modify != nil {
				tt.modify(&d)
			}
			page := render(t, d)
			common := []string{
				`<html lang="en" dir="ltr">`,
				`<meta name="viewport" content="width=device-width, initial-scale=1">`,
				"<h1>PS5 drop</h1>",
				`<main id="anteroom" data-state="` + d.State + `"`,
				`<div aria-live="polite">`,
				`data-status-url="/.anteroom/status"`,
				`<link rel="stylesheet" href="/.anteroom/assets/waiting.css?v=`,
				`<script src="/.anteroom/assets/waiting.js?v=`,
				`<p class="note warn" data-field="net" hidden>Reconnecting…`,
			}
			for _, want := range append(common, tt.want...) {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q\n%s", want, page)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q\n%s", bad, page)
				}
			}
			// Exactly one state section is visible: the one for d.State.
			if got := regexp.MustCompile(`<section data-show="[^"]*">`).FindAllString(page, -1); len(got) != 1 || got[0] != `<section data-show="`+d.State+`">` {
				t.Errorf("visible sections: got %q, want only %s", got, d.State)
			}
		})
	}
}

func TestRenderNoInlineScriptOrStyle(t *testing.T) {
	for _, state := range []string{StatePrequeue, StateWaiting, StateAdmitted, StateSoldOut, StateClosed, StatePaused, StateUnavailable} {
		d := waitingData()
		d.State = state
		page := render(t, d)
		scripts := regexp.MustCompile(`(?s)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1)
		if len(scripts) != 1 {
			t.Errorf("%s: got %d script elements, want 1", state, len(scripts))
		}
		for _, m := range scripts {
			if !strings.Contains(m[1], "src=") || m[2] != "" {
				t.Errorf("%s: inline script %q", state, m[0])
			}
		}
		for _, bad := range []string{"<style", " style=", " onload=", " onclick=", "javascript:", "http://", "https://"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: page contains %q", state, bad)
			}
		}
	}
}

func TestRenderEscapes(t *testing.T) {
	d := waitingData()
	d.Title = `<script>alert("x")</script>`
	d.Room = `"><img src=x>`
	d.Message = `<b>hi</b> & bye`
	page := render(t, d)
	for _, bad := range []string{`<script>alert`, `<img src=x>`, `<b>hi</b>`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"<title>(1,234) &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</title>",
		"<h1>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</h1>",
		`data-room="&#34;&gt;&lt;img src=x&gt;"`,
		"&lt;b&gt;hi&lt;/b&gt; &amp; bye",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestRenderRedirectStaysOnSite(t *testing.T) {
	tests := []struct{ redirect, href string }{
		{"/ps5?x=1&y=2", `href="/ps5?x=1&amp;y=2"`},
		{"", `href="/"`},
		{"//evil.example/", `href="/"`},
		{`/\evil.example/`, `href="/"`},
		{"/\t/evil.example/", `href="/"`},
		{"https://evil.example/", `href="/"`},
		{"javascript:alert(1)", `href="/"`},
		{"ps5", `href="/"`},
	}
	for _, tt := range tests {
		d := waitingData()
		d.State, d.Redirect = StateAdmitted, tt.redirect
		page := render(t, d)
		if !strings.Contains(page, `<a class="btn" `+tt.href) {
			t.Errorf("Redirect %q: page lacks %s", tt.redirect, tt.href)
		}
	}
}

func TestNormalize(t *testing.T) {
	got := normalize(PageData{State: "bogus", Progress: 140, PollAfterMS: 20, ETALow: 300, ETAHigh: 60, OpensInSeconds: -5, StatusURL: "//x"})
	want := PageData{Title: defaultTitle, State: StateUnavailable, Progress: 100, PollAfterMS: 1000, ETALow: 60, ETAHigh: 300, Redirect: "/", StatusURL: defaultStatusURL, Text: english}
	if got != want {
		t.Errorf("normalize: got %+v, want %+v", got, want)
	}
	if got := normalize(PageData{}); got.State != StateWaiting || got.PollAfterMS != defaultPollMS {
		t.Errorf("normalize(zero): got state %q poll %d, want %q %d", got.State, got.PollAfterMS, StateWaiting, defaultPollMS)
	}
}

// TestSizeBudget: the page, in its longest language and state, with its stylesheet and
// script, stays under 20 KB without a logo (which may add up to 16 KB, base64 ~22 KB).
func TestSizeBudget(t *testing.T) {
	const budget = 20 * 1024
	largest, largestGz, lang := 0, 0, ""
	for _, l := range Languages {
		for _, d := range samples() {
			d.Message, d.Notice, d.Logo, d.Text = strings.Repeat("m", 120), strings.Repeat("n", 120), "", catalogue[l]
			page := render(t, d)
			if len(page) > largest {
				largest, largestGz, lang = len(page), gzipped(t, page), l+" "+d.State
			}
		}
	}
	css, _, _ := Asset("waiting.css")
	js, _, _ := Asset("waiting.js")
	total := largest + len(css) + len(js)
	totalGz := largestGz + gzipped(t, string(css)) + gzipped(t, string(js))
	t.Logf("largest page (%s) %d + css %d + js %d = %d bytes (budget %d); gzipped %d", lang, largest, len(css), len(js), total, budget, totalGz)
	if total > budget {
		t.Errorf("waiting page weighs %d bytes, over the %d byte budget", total, budget)
	}
}

func gzipped(t *testing.T, s string) int {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	w.Close()
	return b.Len()
}

func TestParseTemplate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	good := write("good.html", `<h1>{{.Title}}</h1><p>{{comma .Position}} {{eta .ETALow .ETAHigh}} {{clock .OpensInSeconds}}</p>`+
		`{{if eq .State "sold_out"}}<p>gone</p>{{end}}<a href="{{.Redirect}}">go</a>`)
	tmpl, err := ParseTemplate(good)
	if err != nil {
		t.Fatalf("ParseTemplate(good): %v", err)
	}
	var b bytes.Buffer
	d := waitingData()
	d.Title = "<PS5>"
	if err := RenderWith(tmpl, &b, d); err != nil {
		t.Fatalf("RenderWith: %v", err)
	}
	if got, want := b.String(), `<h1>&lt;PS5&gt;</h1><p>1,234 about 3–5 minutes 00:00:00</p><a href="/ps5?x=1">go</a>`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	bad := map[string]string{
		"syntax.html":     `<h1>{{.Title</h1>`,
		"field.html":      `<h1>{{.Titel}}</h1>`,
		"branch.html":     `{{if eq .State "closed"}}{{.Nope}}{{end}}`,
		"func.html":       `{{shout .Title}}`,
		"asset.html":      `<link href="{{asset "logo.png"}}">`,
		"empty.html":      ``,
		"unclosed-a.html": `<a href="{{.Redirect}}`,
	}
	for name, src := range bad {
		path := write(name, src)
		if _, err := ParseTemplate(path); err == nil {
			t.Errorf("ParseTemplate(%s): no error", name)
		} else if !strings.Contains(err.Error(), path) {
			t.Errorf("ParseTemplate(%s): error %q does not name the file", name, err)
		}
	}

	missing := filepath.Join(dir, "missing.html")
	if _, err := ParseTemplate(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ParseTemplate(missing): got %v, want a not-exist error naming the file", err)
	}
}

func TestExampleCustomTemplate(t *testing.T) {
	tmpl, err := ParseTemplate("templates/example-custom.html")
	if err != nil {
		t.Fatalf("ParseTemplate: %v", err)
	}
	d := waitingData()
	d.Message = "Hello"
	var b bytes.Buffer
	if err := RenderWith(tmpl, &b, d); err != nil {
		t.Fatalf("RenderWith: %v", err)
	}
	page := b.String()
	for _, want := range []string{
		`<main id="anteroom" data-state="waiting"`,
		`<strong data-field="position">1,234</strong>`,
		"about 3–5 minutes",
		`<noscript><meta http-equiv="refresh" content="3"></noscript>`,
		`<script src="/.anteroom/assets/waiting.js?v=`,
		`<p class="note" data-field="message">Hello</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("example page lacks %q", want)
		}
	}
	if strings.Contains(page, "Copy it") {
		t.Error("template comment leaked into the page")
	}
	d.State = StateClosed
	b.Reset()
	if err := RenderWith(tmpl, &b, d); err != nil {
		t.Fatalf("RenderWith: %v", err)
	}
	if strings.Contains(b.String(), `http-equiv="refresh"`) {
		t.Error("the closed example page still reloads itself")
	}
}

func TestRenderWithNilIsBuiltIn(t *testing.T) {
	var a, b bytes.Buffer
	if err := RenderWith(nil, &a, waitingData()); err != nil {
		t.Fatal(err)
	}
	if err := Render(&b, waitingData()); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("RenderWith(nil) differs from Render")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("client gone") }

func TestRenderWriteError(t *testing.T) {
	if err := Render(failWriter{}, waitingData()); err == nil || !strings.Contains(err.Error(), "client gone") {
		t.Errorf("got %v, want the writer's error", err)
	}
}

func BenchmarkRender(b *testing.B) {
	d := waitingData()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
}
