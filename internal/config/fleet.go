package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var roleName = regexp.MustCompile(`^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)

var (
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// Fleet configures tenant deployments and rollouts (docs/rollouts.md).
type Fleet struct {
	// How many deployments provision (or are removed) at once.
	Workers int `yaml:"workers"`
	// How often to look for deployments and rollouts nothing woke this
	// process for (added by the CLI or another process).
	PollInterval time.Duration `yaml:"poll_interval"`
	// How many rollouts execute at once in this process.
	RolloutWorkers int `yaml:"rollout_workers"`
	// How long a claimed rollout stays this process's before another may
	// resume it (after a crash); renewed while it works.
	RolloutLease time.Duration `yaml:"rollout_lease"`
	// Directory of the process provider's deployments (their logs and
	// data); empty means processes in data_dir.
	ProcessDir string `yaml:"process_dir"`
	// How often the process provider scrapes each deployment's metrics.
	ScrapeInterval time.Duration `yaml:"scrape_interval"`
	// How long a new deployment process may take to answer its health
	// check.
	StartTimeout time.Duration `yaml:"start_timeout"`
	// How often the cfn provider polls a stack or change set it waits for.
	CFNPoll time.Duration `yaml:"cfn_poll"`
	// CloudWatch alarm ARNs given to every cfn create and update as the
	// stack's RollbackConfiguration ({account}, {region}, {stack} and
	// {deployment} are replaced): CloudFormation rolls a stack back itself
	// when one goes off.
	CFNRollbackAlarms []string `yaml:"cfn_rollback_alarms"`
	// How long CloudFormation keeps watching those alarms after an update
	// (whole minutes, at most 3h).
	CFNMonitoringTime time.Duration `yaml:"cfn_monitoring_time"`
	// Name of an IAM role the cfn provider assumes in each deployment's
	// account (arn:aws:iam::ACCOUNT:role/NAME); empty: tend's own
	// credentials, whose account is then every deployment's.
	CFNRole string `yaml:"cfn_role"`
	// S3 bucket (in tend's account and region) for product templates over
	// CloudFormation's inline limit of 51,200 bytes, and the key prefix:
	// the stacks read them by TemplateURL (their accounts need
	// s3:GetObject on it). Empty: such versions are refused.
	CFNTemplateBucket string `yaml:"cfn_template_bucket"`
	CFNTemplatePrefix string `yaml:"cfn_template_prefix"`
	// KeyMetrics names the ingested series that carry deployments' key
	// metrics for the rollout comparison gate (the process provider
	// measures its own): series labelled Label=<the deployment's stack>.
	KeyMetrics KeyMetrics `yaml:"key_metrics"`
}

// KeyMetrics maps each key metric to the names of the gauge series that
// carry it (docs/rollouts.md, "Gates for stacks").
type KeyMetrics struct {
	Label      string   `yaml:"label"`
	ErrorRate  []string `yaml:"error_rate"`
	Latency    []string `yaml:"latency"`
	Saturation []string `yaml:"saturation"`
}

func defaultFleet() Fleet {
	return Fleet{Workers: 10, PollInterval: time.Second, RolloutWorkers: 4, RolloutLease: 30 * time.Second,
		ScrapeInterval: 10 * time.Second, StartTimeout: 30 * time.Second, CFNPoll: 5 * time.Second, CFNTemplatePrefix: "tend/templates/",
		KeyMetrics: KeyMetrics{Label: "stack", ErrorRate: []string{"tend:error_rate"}, Latency: []string{"tend:latency_seconds"},
			Saturation: []string{"tend:saturation"}}}
}

func (f Fleet) validate() []FieldError {
	var errs []FieldError
	bad := func(key, reason string) { errs = append(errs, FieldError{Key: "fleet." + key, Reason: reason}) }
	if f.Workers < 1 || f.Workers > 1000 {
		bad("workers", "must be between 1 and 1000")
	}
	if f.RolloutWorkers < 1 || f.RolloutWorkers > 256 {
		bad("rollout_workers", "must be between 1 and 256")
	}
	if f.PollInterval < 10*time.Millisecond {
		bad("poll_interval", "must be at least 10ms")
	}
	if f.RolloutLease < time.Second {
		bad("rollout_lease", "must be at least 1s")
	}
	if f.ScrapeInterval < 10*time.Millisecond {
		bad("scrape_interval", "must be at least 10ms")
	}
	if f.StartTimeout < 100*time.Millisecond {
		bad("start_timeout", "must be at least 100ms")
	}
	if !labelName.MatchString(f.KeyMetrics.Label) {
		bad("key_metrics.label", fmt.Sprintf("must be a label name ([a-zA-Z_][a-zA-Z0-9_]*) (got %q)", f.KeyMetrics.Label))
	}
	seen := map[string]string{}
	for _, k := range []struct {
		key   string
		names []string
	}{{"error_rate", f.KeyMetrics.ErrorRate}, {"latency", f.KeyMetrics.Latency}, {"saturation", f.KeyMetrics.Saturation}} {
		for i, n := range k.names {
			field := fmt.Sprintf("key_metrics.%s[%d]", k.key, i)
			if !metricName.MatchString(n) {
				bad(field, fmt.Sprintf("must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) (got %q)", n))
			} else if other, dup := seen[n]; dup {
				bad(field, fmt.Sprintf("%q is already a series of %s", n, other))
			}
			seen[n] = k.key
		}
	}
	if b := f.CFNTemplateBucket; b != "" && !bucketName.MatchString(b) {
		bad("cfn_template_bucket", fmt.Sprintf("must be an S3 bucket name (3–63 lowercase letters, digits, dots and hyphens) (got %q)", b))
	}
	if len(f.CFNTemplatePrefix) > 512 || strings.HasPrefix(f.CFNTemplatePrefix, "/") {
		bad("cfn_template_prefix", "must be an S3 key prefix of at most 512 bytes, not starting with /")
	}
	if f.CFNPoll < 10*time.Millisecond {
		bad("cfn_poll", "must be at least 10ms")
	}
	if f.CFNMonitoringTime < 0 || f.CFNMonitoringTime > 3*time.Hour || f.CFNMonitoringTime%time.Minute != 0 {
		bad("cfn_monitoring_time", "must be whole minutes between 0 and 3h")
	}
	for i, a := range f.CFNRollbackAlarms {
		if !strings.HasPrefix(a, "arn:") || !strings.Contains(a, ":cloudwatch:") || !strings.Contains(a, ":alarm:") {
			bad(fmt.Sprintf("cfn_rollback_alarms[%d]", i), "must be a CloudWatch alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)")
		}
	}
	if f.CFNRole != "" && !roleName.MatchString(f.CFNRole) {
		bad("cfn_role", "must be an IAM role name (1–64 of A-Z a-z 0-9 + = , . @ _ -, optionally under a path/)")
	}
	return errs
}
