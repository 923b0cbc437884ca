package config

// MinSecretLen is the fewest bytes an HMAC secret may have: 256 bits.
const MinSecretLen = 32

// SecretEnvProblems checks that the environment variables named by
// keys.secret_env and (when set) keys.previous_secret_env hold secrets of at
// least MinSecretLen bytes. getenv is os.Getenv in production; the package
// itself never reads the environment. The secrets are not in the problems.
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
	switch n := len(getenv(name)); {
	case n == 0:
		v.add(path, "environment variable %s is not set", name)
	case n < MinSecretLen:
		v.add(path, "environment variable %s holds %d bytes; it needs at least %d", name, n, MinSecretLen)
	}
}
