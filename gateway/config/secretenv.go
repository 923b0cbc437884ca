package config

import (
	"net"
	"net/netip"
	"strings"

	"github.com/anteroom/anteroom/token"
)

// SecretEnvProblems checks what the configuration needs from the
// environment: the variables named by keys.secret_env and (when set)
// keys.previous_secret_env hold secrets that token.CheckSecret accepts, and
// admin.token_env names a token when admin.listen is not a loopback address.
// getenv is os.Getenv in production; the package itself never reads the
// environment. The secrets are not in the problems.
func (c *Config) SecretEnvProblems(getenv func(string) string) []Problem {
	v := &validator{src: c.src}
	v.secret("keys.secret_env", c.Keys.SecretEnv, getenv)
	if c.Keys.PreviousSecretEnv != "" {
		v.secret("keys.previous_secret_env", c.Keys.PreviousSecretEnv, getenv)
	}
	if !LoopbackAddr(c.Admin.Listen) && getenv(c.Admin.TokenEnv) == "" {
		v.add("admin.listen", "%q is not a loopback address, so the admin API needs a bearer token: set the environment variable %s (named by admin.token_env), e.g. to the output of anteroom keygen, or listen on 127.0.0.1", c.Admin.Listen, c.Admin.TokenEnv)
	}
	return v.problems
}

func (v *validator) secret(path, name string, getenv func(string) string) {
	if name == "" {
		v.add(path, "names no environment variable")
		return
	}
	s := getenv(name)
	if s == "" {
		v.add(path, "environment variable %s is not set", name)
		return
	}
	if err := token.CheckSecret([]byte(s)); err != nil {
		v.add(path, "environment variable %s holds a weak secret: %v", name, err)
	}
}

// LoopbackAddr reports whether a listener on addr (host:port) can be reached
// only from this machine: its host is "localhost" or an IP address in
// 127.0.0.0/8 or ::1. An empty host, 0.0.0.0 and :: listen on every
// interface, so they are not loopback; neither is any other name, which DNS
// could point anywhere.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
