package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
)

// The client of the admin API that the operators' commands (rooms, room,
// reload, health) share. The admin listener's address and bearer token
// come from -admin and -token, or ANTEROOM_ADMIN_ADDR and
// ANTEROOM_ADMIN_TOKEN, as kubectl and nomad take theirs.

const (
	envAdminAddr  = "ANTEROOM_ADMIN_ADDR"
	envAdminToken = config.DefaultAdminTokenEnv
	adminTimeout  = 10 * time.Second
)

// adminClient calls one node's admin API.
type adminClient struct {
	base  string // http://host:port
	token string
	http  *http.Client
}

// adminFlags adds -admin and -token to fs; client builds the client once
// fs is parsed.
func adminFlags(fs *flag.FlagSet) (client func() *adminClient) {
	addr := fs.String("admin", "", "admin listener, host:port or URL (default $"+envAdminAddr+", else "+config.DefaultAdminListen+")")
	tok := fs.String("token", "", "admin bearer token (default $"+envAdminToken+")")
	return func() *adminClient {
		a := *addr
		if a == "" {
			a = os.Getenv(envAdminAddr)
		}
		if a == "" {
			a = config.DefaultAdminListen
		}
		if !strings.HasPrefix(a, "http://") && !strings.HasPrefix(a, "https://") {
			a = "http://" + a
		}
		t := *tok
		if t == "" {
			t = os.Getenv(envAdminToken)
		}
		return &adminClient{base: strings.TrimSuffix(a, "/"), token: t, http: &http.Client{Timeout: adminTimeout}}
	}
}

// apiError is an answer of the admin API other than 2xx.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.msg, e.status) }

// do sends a request and decodes a 2xx JSON answer into out (when not
// nil); any other answer is an *apiError carrying the API's message.
func (c *adminClient) do(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if resp.StatusCode == http.StatusUnauthorized {
			msg += "; set the token with -token or $" + envAdminToken
		}
		return &apiError{status: resp.StatusCode, msg: msg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("admin API at %s: reading the answer to %s %s: %w", c.base, method, path, err)
	}
	return nil
}

// parseInterspersed parses fs from args with flags before, between or
// after the positional arguments (kubectl's habit: "room pause shop
// -admin h:9090"), and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// exitFor prints err for a command and returns its exit code: 1 for an
// answer of the API or a failed call.
func exitFor(cmd string, err error, stderr io.Writer) int {
	var ae *apiError
	if errors.As(err, &ae) {
		fmt.Fprintf(stderr, "anteroom %s: %s\n", cmd, ae.Error())
		return 1
	}
	fmt.Fprintf(stderr, "anteroom %s: %v\n", cmd, err)
	return 1
}
