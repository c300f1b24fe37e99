// Package config is tend's configuration: a YAML file, TEND_* environment
// variables and command-line flags, merged in that order of increasing
// precedence over the defaults, and validated while decoding so that every
// mistake is reported with where it came from (file:line, variable or flag)
// and why. The comments on the fields below are the user documentation; the
// same text is in docs/configuration.md, and a test keeps the two in sync.
package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is the whole of tend's configuration.
type Config struct {
	// Directory where the embedded store (SQLite) and other local state live.
	// Created if missing. Ignored by the store when store.url is PostgreSQL.
	DataDir     string      `yaml:"data_dir"`
	Server      Server      `yaml:"server"`
	Store       Store       `yaml:"store"`
	Log         Log         `yaml:"log"`
	Ingest      Ingest      `yaml:"ingest"`
	Series      Series      `yaml:"series"`
	Insight     Insight     `yaml:"insight"`
	Remediation Remediation `yaml:"remediation"`
	Dynatrace   Dynatrace   `yaml:"dynatrace"`
	AWS         AWS         `yaml:"aws"`
	Review      Review      `yaml:"review"`
	Notify      Notify      `yaml:"notify"`
	Fleet       Fleet       `yaml:"fleet"`
	Events      Events      `yaml:"events"`
	Auth        Auth        `yaml:"auth"`
	Org         Org         `yaml:"org"`
}

// Server configures the HTTP server.
type Server struct {
	// Address to listen on, host:port. Use 0.0.0.0:8080 to accept remote
	// connections (put TLS in front), or port 0 for any free port.
	Listen string `yaml:"listen"`
	// Longest time to read a request's headers.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// Longest time to read a whole request, body included.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// Longest time to write a response.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// How long an idle keep-alive connection stays open.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// How long shutdown waits for requests and background work to finish.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// Largest request body accepted, in bytes; larger bodies get 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// Store selects where tend keeps its state.
type Store struct {
	// Empty for the embedded SQLite store in data_dir, or a PostgreSQL URL
	// (postgres://user:pass@host:5432/db?sslmode=disable) to share state
	// between several tend processes. May hold a password: prefer url_file.
	URL Secret `yaml:"url"`
	// File whose content is store.url (a mounted secret).
	URLFile string `yaml:"url_file"`
}

// Log configures tend's own logs.
type Log struct {
	// Lowest level written: debug, info, warn or error.
	Level string `yaml:"level"`
	// text, json, or auto (text on a terminal, JSON otherwise).
	Format string `yaml:"format"`
}

// Default returns the configuration tend runs with when nothing is set.
func Default() Config {
	return Config{
		DataDir: "./tend-data",
		Server: Server{
			Listen:            "127.0.0.1:8080",
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   10 * time.Second,
			MaxBodyBytes:      1 << 20,
		},
		Log:         Log{Level: "info", Format: "auto"},
		Ingest:      defaultIngest(),
		Series:      defaultSeries(),
		Insight:     defaultInsight(),
		Remediation: defaultRemediation(),
		Dynatrace:   defaultDynatrace(),
		AWS:         defaultAWS(),
		Review:      defaultReview(),
		Notify:      defaultNotify(),
		Fleet:       defaultFleet(),
		Events:      defaultEvents(),
		Auth:        defaultAuth(),
	}
}

// Secret is a string that never prints itself: fmt and slog show
// "[redacted]" unless it is empty.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// Reveal returns the secret's value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// FieldError is one invalid value: the dotted key, and why.
type FieldError struct {
	Key    string
	Reason string
}

func (e FieldError) Error() string { return e.Key + ": " + e.Reason }

// Validate checks every value and returns one error per problem.
func (c *Config) Validate() []FieldError {
	var errs []FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, FieldError{Key: key, Reason: fmt.Sprintf(format, a...)})
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	}
	if host, port, err := net.SplitHostPort(c.Server.Listen); err != nil {
		bad("server.listen", "must be host:port, e.g. 127.0.0.1:8080 (got %q)", c.Server.Listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("server.listen", "port must be a number from 0 to 65535 (got %q)", port)
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		if _, err := net.LookupHost(host); err != nil {
			bad("server.listen", "host %q does not resolve", host)
		}
	}
	for key, d := range map[string]time.Duration{
		"server.read_header_timeout": c.Server.ReadHeaderTimeout,
		"server.read_timeout":        c.Server.ReadTimeout,
		"server.write_timeout":       c.Server.WriteTimeout,
		"server.idle_timeout":        c.Server.IdleTimeout,
		"server.shutdown_timeout":    c.Server.ShutdownTimeout,
	} {
		if d <= 0 {
			bad(key, "must be a positive duration such as 10s (got %s)", d)
		}
	}
	if c.Server.MaxBodyBytes < 1024 || c.Server.MaxBodyBytes > 256<<20 {
		bad("server.max_body_bytes", "must be between 1024 and 268435456 (got %d)", c.Server.MaxBodyBytes)
	}
	if u := c.Store.URL.Reveal(); u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		bad("store.url", "must be empty (embedded SQLite) or a postgres:// URL")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error (got %q)", c.Log.Level)
	}
	switch c.Log.Format {
	case "auto", "text", "json":
	default:
		bad("log.format", "must be auto, text or json (got %q)", c.Log.Format)
	}
	errs = append(errs, c.Ingest.validate()...)
	errs = append(errs, c.Series.validate()...)
	errs = append(errs, c.Insight.validate()...)
	errs = append(errs, c.Remediation.validate()...)
	errs = append(errs, c.Dynatrace.validate()...)
	errs = append(errs, c.AWS.validate()...)
	errs = append(errs, c.Review.validate()...)
	errs = append(errs, c.Notify.validate()...)
	errs = append(errs, c.Fleet.validate()...)
	errs = append(errs, c.Events.validate()...)
	errs = append(errs, c.Auth.validate()...)
	errs = append(errs, c.Org.validate()...)
	return errs
}
