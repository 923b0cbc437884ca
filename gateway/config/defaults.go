package config

import "time"

// Defaults for keys left out or set to their zero value. Each is also written
// in the doc comment of its field and in configs/reference.yaml.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultOriginMaxConns = 1024
	DefaultOriginTimeout  = 15 * time.Second
	DefaultAdminListen    = "127.0.0.1:9090"
	DefaultAdminTokenEnv  = "ANTEROOM_ADMIN_TOKEN"
	DefaultStoreBackend   = BackendMemory
	DefaultStoreOnFailure = OnFailureHold
	DefaultStoreTimeout   = time.Second
	DefaultRedisKeyPrefix = "anteroom"
	DefaultStateFile      = "anteroom.state"
	// MaxAbandonAfter bounds rooms[].abandon_after.
	MaxAbandonAfter        = 8 * time.Hour
	DefaultSecretEnv       = "ANTEROOM_SECRET"
	DefaultOriginRPS       = 5000
	DefaultPerClientRPS    = 20
	DefaultPerClientBurst  = 40
	DefaultLogFormat       = LogText
	DefaultLogLevel        = "info"
	DefaultSessionDuration = 5 * time.Minute
	DefaultClaimWindow     = 30 * time.Second
	DefaultAbandonAfter    = 2 * time.Minute
	DefaultPollInterval    = 5 * time.Second
	DefaultQueueing        = QueueingFIFO
	DefaultHold            = 10 * time.Minute
	DefaultPerSession      = 1
)

// SetDefaults fills every key left at its zero value with its default. It is
// idempotent, and Parse calls it before Validate.
func (c *Config) SetDefaults() {
	setDefault(&c.Listen, DefaultListen)
	setDefault(&c.Origin.MaxConns, DefaultOriginMaxConns)
	setDefault(&c.Origin.Timeout, DefaultOriginTimeout)
	setDefault(&c.Admin.Listen, DefaultAdminListen)
	setDefault(&c.Admin.TokenEnv, DefaultAdminTokenEnv)
	setDefault(&c.Store.Backend, DefaultStoreBackend)
	setDefault(&c.Store.OnFailure, DefaultStoreOnFailure)
	setDefault(&c.Store.Timeout, DefaultStoreTimeout)
	setDefault(&c.Store.Redis.KeyPrefix, DefaultRedisKeyPrefix)
	setDefault(&c.Store.Memory.StateFile, DefaultStateFile)
	setDefault(&c.Keys.SecretEnv, DefaultSecretEnv)
	setDefault(&c.Limits.OriginRPS, DefaultOriginRPS)
	setDefault(&c.Limits.PerClient.RPS, DefaultPerClientRPS)
	setDefault(&c.Limits.PerClient.Burst, DefaultPerClientBurst)
	setDefault(&c.Log.Format, DefaultLogFormat)
	setDefault(&c.Log.Level, DefaultLogLevel)
	for i := range c.Rooms {
		c.Rooms[i].setDefaults()
	}
}

func (r *Room) setDefaults() {
	// Ten seconds' worth of admissions lets a quiet room fill without a trickle.
	setDefault(&r.Burst, max(1, r.NewUsersPerMinute/6))
	setDefault(&r.SessionDuration, DefaultSessionDuration)
	setDefault(&r.ClaimWindow, DefaultClaimWindow)
	setDefault(&r.AbandonAfter, DefaultAbandonAfter)
	setDefault(&r.PollInterval, DefaultPollInterval)
	setDefault(&r.Queueing, DefaultQueueing)
	setDefault(&r.Inventory.Hold, DefaultHold)
	setDefault(&r.Inventory.PerSession, DefaultPerSession)
	setDefault(&r.Page.Title, r.Name)
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
