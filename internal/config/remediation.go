package config

import "time"

// Remediation configures self-healing: where the policies are and how runs
// execute.
type Remediation struct {
	// Run remediation (accept problems and execute runs). When false the
	// problem endpoints still store problems but no run is started.
	Enabled bool `yaml:"enabled"`
	// Directory of policy files (*.yaml, *.yml). Empty: no policies, so
	// problems are stored but nothing acts.
	PolicyDir string `yaml:"policy_dir"`
	// How many runs execute at once in this process.
	Workers int `yaml:"workers"`
	// How long a claimed run stays this process's before another may take
	// it over (after a crash).
	Lease time.Duration `yaml:"lease"`
	// How often to look for runs nothing woke this process for (other
	// processes' problems, retries, approvals).
	PollInterval time.Duration `yaml:"poll_interval"`
	// Attempts at a failing step before the run fails.
	MaxAttempts int `yaml:"max_attempts"`
	// Most actions (new catalog versions) across all policies per
	// rate_window; 0 for no limit.
	RateLimit int `yaml:"rate_limit"`
	// The window of rate_limit.
	RateWindow time.Duration `yaml:"rate_window"`
	// Where self-healing publishes new versions: embedded (tend's store,
	// managed with tend catalog) or git (a repository of templates).
	Catalog string `yaml:"catalog"`
	// The git catalog, when catalog is git.
	Git GitCatalog `yaml:"git"`
}

// GitCatalog configures the git catalog: one directory per product, each
// version a commit and a tag <product>/v<N>.
type GitCatalog struct {
	// A bare repository tend owns (created if missing); empty means
	// catalog.git in data_dir.
	Dir string `yaml:"dir"`
	// The branch that receives the commits.
	Branch string `yaml:"branch"`
	// A remote (name or URL) to fetch from and push branch and tags to
	// after each version; empty keeps versions local.
	Remote string `yaml:"remote"`
}

func defaultRemediation() Remediation {
	return Remediation{Enabled: true, Workers: 32, Lease: 30 * time.Second, PollInterval: time.Second, MaxAttempts: 5, RateLimit: 20, RateWindow: time.Hour,
		Catalog: "embedded", Git: GitCatalog{Branch: "main"}}
}

func (r Remediation) validate() []FieldError {
	var errs []FieldError
	bad := func(key, reason string) { errs = append(errs, FieldError{Key: "remediation." + key, Reason: reason}) }
	if r.Workers < 1 || r.Workers > 256 {
		bad("workers", "must be between 1 and 256")
	}
	if r.Lease < time.Second {
		bad("lease", "must be at least 1s")
	}
	if r.PollInterval < 10*time.Millisecond {
		bad("poll_interval", "must be at least 10ms")
	}
	if r.MaxAttempts < 1 {
		bad("max_attempts", "must be at least 1")
	}
	if r.RateLimit < 0 {
		bad("rate_limit", "must be 0 (no limit) or more")
	}
	if r.RateWindow <= 0 {
		bad("rate_window", "must be a positive duration such as 1h")
	}
	switch r.Catalog {
	case "embedded", "git":
	default:
		bad("catalog", "must be embedded or git")
	}
	if r.Catalog == "git" && r.Git.Branch == "" {
		bad("git.branch", "must not be empty")
	}
	return errs
}
