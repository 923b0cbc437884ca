package config

import "github.com/anteroom/anteroom/token"

// SecretEnvProblems checks what the configuration needs from the
// environment: the variables named by keys.secret_env and (when set)
// keys.previous_secret_env hold secrets that token.CheckSecret accepts.
// getenv is os.Getenv in production; the package itself never reads the
// environment. The secrets are not in the problems.
func (c *Config) SecretEnvProblems(getenv func(string) string) []Problem {
	v := &validator{src: c.src}
	v.secret("keys.secret_env", c.Keys.SecretEnv, getenv)
	if c.Keys.PreviousSecretEnv != "" {
		v.secret("keys.previous_secret_env", c.Keys.PreviousSecretEnv, getenv)
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
