package static

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// renderBoth renders d with the fast renderer and with html/template.
func renderBoth(t testing.TB, d PageData) (fast, tmpl []byte) {
	t.Helper()
	var a, b bytes.Buffer
	if err := Render(&a, d); err != nil {
		t.Fatalf("Render: %v", err)
	}
	if err := RenderWith(page, &b, d); err != nil {
		t.Fatalf("RenderWith(built-in template): %v", err)
	}
	return a.Bytes(), b.Bytes()
}

// firstDifference describes where two pages part, for a readable failure.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(i-60, 0)
	return fmt.Sprintf("at byte %d:\n got …%q\nwant …%q", i, got[from:min(i+60, len(got))], want[from:min(i+60, len(want))])
}

func TestBuiltInPageCompiles(t *testing.T) {
	if builtInErr != nil {
		t.Fatalf("the fast renderer cannot compile waiting.html, so Render falls back to html/template: %v", builtInErr)
	}
}

var hostileStrings = []string{
	"",
	"PS5 drop",
	`<script>alert("x")</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'single' "double" & ampersand &amp; + plus`,
	"a\x00b",
	"tab\tnewline\ncr\r\x01\x1f\x7f",
	"Ünïcødé ✓ 🎟 — “quotes” \u2028\u2029 \ufeff \ufffd",
	"invalid \xff\xfe \xc3 utf-8 \xed\xa0\x80",
	"javascript:alert(1)",
	"JaVaScRiPt:alert(1)",
	"https://evil.example/",
	"httpſ://evil.example/",
	"data:text/html,<b>x</b>",
	"{{.Title}} %s %v %!",
	"</title><script>x</script>",
	"&#34; &lt; already-escaped",
	strings.Repeat(`<&'"+`, 20000), // a page far over the pooled buffer limit
}

var hostilePaths = []string{
	"",
	"/",
	"/ps5",
	"/ps5?x=1&y=2+3",
	"/a b/c'd\"e<f>g",
	"/%41%zz%4",
	"/%",
	"/%4",
	"/ü/✓?q=🎟",
	"/\xff\xfe",
	"/:x",
	"/javascript:alert(1)",
	"/#frag!$*,;=@[]-._~",
	"/.anteroom/status?room=ps5&return=%2Fps5%3Fx%3D1",
	"//evil.example",
	`/\evil.example`,
	"/\t/evil.example",
	"/a\x00b",
	"javascript:alert(1)",
	"/" + strings.Repeat("x&+", 30000),
}

var states = []string{
	"", StatePrequeue, StateWaiting, StateAdmitted, StateSoldOut, StateClosed, StatePaused, StateUnavailable,
	"bogus", "CLOSED", `"><b>`,
}

// TestRenderMatchesTemplate holds the fast renderer to html/template's output for
// every state and for numbers and strings at their edges.
func TestRenderMatchesTemplate(t *testing.T) {
	var cases []PageData
	for _, state := range states {
		for _, pos := range []uint64{0, 1, 999, 1000, 1234567, math.MaxUint64} {
			d := waitingData()
			d.State, d.Position, d.Ahead = state, pos, pos/2
			cases = append(cases, d)
		}
		for _, s := range hostileStrings {
			d := waitingData()
			d.State, d.Title, d.Room, d.Message, d.Notice = state, s, s, s, s
			cases = append(cases, d)
		}
		for _, p := range hostilePaths {
			d := waitingData()
			d.State, d.Redirect, d.StatusURL = state, p, p
			d.HomeURL, d.Logo = "https://shop.example"+p, template.URL("data:image/svg+xml;base64,"+p)
			cases = append(cases, d)
		}
	}
	for _, eta := range [][2]int{
		{0, 0}, {-5, 0}, {0, 45}, {10, 59}, {0, 60}, {60, 60}, {30, 90}, {180, 300}, {300, 180},
		{3000, 5400}, {3000, 6000}, {7200, 7200}, {7200, 14400}, {-100, -1}, {math.MinInt, math.MaxInt}, {math.MaxInt, math.MaxInt},
	} {
		d := waitingData()
		d.ETALow, d.ETAHigh = eta[0], eta[1]
		cases = append(cases, d)
	}
	for _, n := range []int{math.MinInt, -1, 0, 1, 59, 999, 1000, 1001, 3723, 36 * 3600, math.MaxInt} {
		d := waitingData()
		d.State = StatePrequeue
		d.Progress, d.PollAfterMS, d.OpensInSeconds = n, n, n
		cases = append(cases, d)
	}
	cases = append(cases, PageData{})
	cases = append(cases, samples()...)

	for i, d := range cases {
		fast, tmpl := renderBoth(t, d)
		if !bytes.Equal(fast, tmpl) {
			t.Errorf("case %d (%+.80v): Render differs from html/template %s", i, d, firstDifference(fast, tmpl))
		}
	}
}

func FuzzRenderMatchesTemplate(f *testing.F) {
	f.Add("PS5 drop", "ps5", StateWaiting, "", "/ps5?x=1", "/.anteroom/status", uint64(1234), uint64(1233), 180, 300, 42, 2500, 0)
	f.Add(`<script>"x"</script>`, `"><b>`, StatePrequeue, "a & b + c", "/a b/'\"<>", "/%41%zz", uint64(0), uint64(0), 0, 0, 0, 0, 3723)
	f.Add("\x00\xff\ufeff", "\t\n", StateAdmitted, "ü ✓", "/javascript:x", "javascript:x", uint64(math.MaxUint64), uint64(1), -5, math.MaxInt, 140, -1, math.MinInt)
	f.Add("", "", "", "", "", "", uint64(0), uint64(0), 0, 0, 0, 0, 0)
	f.Add("t", "r", StateClosed, "m", "//evil", `/\evil`, uint64(1000), uint64(999), 3000, 6000, 100, 999, 1)
	f.Fuzz(func(t *testing.T, title, room, state, message, redirect, statusURL string, position, ahead uint64, etaLow, etaHigh, progress, pollAfterMS, opensIn int) {
		d := PageData{
			Title: title, Room: room, State: state, Message: message, Redirect: redirect, StatusURL: statusURL,
			Position: position, Ahead: ahead, ETALow: etaLow, ETAHigh: etaHigh,
			Progress: progress, PollAfterMS: pollAfterMS, OpensInSeconds: opensIn,
		}
		if fast, tmpl := renderBoth(t, d); !bytes.Equal(fast, tmpl) {
			t.Errorf("Render differs from html/template %s", firstDifference(fast, tmpl))
		}
	})
}

func TestRenderDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	d := waitingData()
	var buf bytes.Buffer
	render := func() {
		buf.Reset()
		if err := Render(&buf, d); err != nil {
			t.Fatal(err)
		}
	}
	render() // grow the buffers once
	if allocs := testing.AllocsPerRun(1000, render); allocs > 0 {
		t.Errorf("Render allocates %v times per page, want 0", allocs)
	}
}

func TestRenderConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				d := waitingData()
				d.Title = strings.Repeat("<t>", g*50+i)
				d.Position = uint64(g*1000 + i)
				d.State = states[(g+i)%len(states)]
				fast, tmpl := renderBoth(t, d)
				if !bytes.Equal(fast, tmpl) {
					t.Errorf("goroutine %d, page %d: Render differs from html/template %s", g, i, firstDifference(fast, tmpl))
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestFieldsCoverPageData keeps the compiler's field table in step with PageData, so
// that a new field used in waiting.html compiles.
func TestFieldsCoverPageData(t *testing.T) {
	typ := reflect.TypeFor[PageData]()
	// Text is not printed: the functions t, num, wait… read it.
	if len(fields) != typ.NumField()-1 {
		t.Errorf("fields has %d entries, PageData %d fields besides Text", len(fields), typ.NumField()-1)
	}
	d := PageData{Title: "t", Room: "r", State: "s", Position: 1, Ahead: 2, Ticket: 8, ETALow: 3, ETAHigh: 4, Progress: 5,
		PollAfterMS: 6, OpensInSeconds: 7, Redirect: "/r", StatusURL: "/s", Message: "m", MessageCount: 9}
	v := reflect.ValueOf(d)
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if name == "Text" {
			continue
		}
		f, ok := fields[name]
		if !ok {
			t.Errorf("fields lacks %s", name)
			continue
		}
		if got, want := string(f.appendTo(nil, &d)), fmt.Sprint(v.Field(i).Interface()); got != want {
			t.Errorf("field %s: got %q, want %q", name, got, want)
		}
	}
}

// TestCompiledTemplateMatches compiles a template that uses every construct the
// compiler knows, in contexts the built-in page does not use, and holds it to
// html/template's output: a change to waiting.html should not silently break it.
func TestCompiledTemplateMatches(t *testing.T) {
	src := `<title>{{.Room}} {{.Position}}</title>
<p title="{{.Message}}" data-x="{{comma .ETALow}}" data-y="{{.StatusURL}}">{{.Redirect}} {{.ETAHigh}} {{comma .Ahead}}</p>
<a href="{{.StatusURL}}">{{clock .ETAHigh}} {{title .}} {{comma .Ticket}}</a><img src="{{.Title}}" alt="{{eta .Progress .OpensInSeconds}}">
{{if eq .State "waiting"}}W{{else if .Message}}M{{.Message}}{{else if not .Ahead}}A{{else}}{{seconds .ETALow}}{{end}}
{{if .Progress}}P{{end}}{{if ne .Room "x"}}{{asset "waiting.js"}}{{end}}<div {{show .State "closed sold_out"}} {{live .}}></div>`
	tmpl := template.Must(template.New("t").Funcs(funcs).Parse(src))
	steps, err := compilePage(tmpl)
	if err != nil {
		t.Fatalf("compilePage: %v", err)
	}
	for _, state := range states {
		for i, s := range hostileStrings {
			d := waitingData()
			d.State, d.Title, d.Room, d.Message = state, s, s, s
			d.Redirect, d.StatusURL = hostilePaths[i%len(hostilePaths)], hostilePaths[(i+1)%len(hostilePaths)]
			d.ETALow, d.ETAHigh, d.Ahead, d.Progress = -i*1000, i*999, uint64(i%3), i%2
			var want bytes.Buffer
			if err := tmpl.Execute(&want, normalize(d)); err != nil {
				t.Fatal(err)
			}
			var r renderer
			if got := r.appendPage(nil, steps, normalize(d)); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("state %q, string %d: compiled differs from html/template %s", state, i, firstDifference(got, want.Bytes()))
			}
		}
	}
}

func TestCompileRejectsUnsupported(t *testing.T) {
	for _, src := range []string{
		`{{range .Title}}x{{end}}`,
		`{{with .Title}}{{.}}{{end}}`,
		`{{$t := .Title}}{{$t}}`,
		`{{printf "%s" .Title}}`,
		`{{.Title | printf "%s"}}`,
		`{{define "x"}}{{.Title}}{{end}}{{template "x" .}}`,
		`<script>var t = {{.Title}}</script>`,
		`<p style="color: {{.Title}}">`,
		`<p {{.Title}}>`,
		`{{if and .Title .Room}}x{{end}}`,
		`{{if eq .Position 3}}x{{end}}`,
		`{{comma .Title}}`,
		`{{show .State .Title}}`,
		`{{eta .Position .Ahead}}`,
		`{{asset "logo.png"}}`,
		`{{.}}`,
	} {
		tmpl, err := template.New("t.html").Funcs(funcs).Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if _, err := compilePage(tmpl); err == nil {
			t.Errorf("compilePage(%s): no error", src)
		} else if !strings.Contains(err.Error(), "t.html") {
			t.Errorf("compilePage(%s): error %q does not name the template", src, err)
		}
	}
}

func BenchmarkRenderTemplate(b *testing.B) {
	d := waitingData()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := RenderWith(page, &buf, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderParallel(b *testing.B) {
	d := waitingData()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			buf.Reset()
			if err := Render(&buf, d); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
