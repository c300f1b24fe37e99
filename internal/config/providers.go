package config

import (
	"net/url"
	"strings"
	"time"
)

// Dynatrace connects self-healing to a Dynatrace environment: problems from
// its webhook are enriched through API v2 and commented on when acted on.
type Dynatrace struct {
	// Environment URL, e.g. https://abc12345.live.dynatrace.com. Empty:
	// Dynatrace problems are handled with what the webhook delivered and
	// comments stay in tend.
	URL string `yaml:"url"`
	// Access token with the problems.read, problems.write and entities.read
	// scopes. Secret: prefer token_file.
	Token Secret `yaml:"token"`
	// File whose content is dynatrace.token.
	TokenFile string `yaml:"token_file"`
	// Longest wait for one API call.
	Timeout time.Duration `yaml:"timeout"`
	// Retries after 429, 5xx or a transport error (with backoff, honouring
	// Retry-After).
	MaxRetries int `yaml:"max_retries"`
}

// AWS connects self-healing to an AWS account, through the SDK's default
// credential chain (environment, shared files, SSO, instance role).
type AWS struct {
	// Use AWS at all. Off: the embedded defaults (tend's parameter store
	// and catalog) are used.
	Enabled bool `yaml:"enabled"`
	// Region, e.g. eu-west-1; empty: AWS_REGION or the profile's.
	Region string `yaml:"region"`
	// Shared-config profile; empty: the default chain.
	Profile string `yaml:"profile"`
	// Send every AWS call to this URL instead (LocalStack, a test double).
	EndpointURL string `yaml:"endpoint_url"`
	// Attempts per AWS call (the SDK's retryer); 0 keeps the SDK default.
	MaxAttempts int `yaml:"max_attempts"`
	// Find the instance behind a problem with EC2 DescribeInstances (its
	// type and Service Catalog tags).
	EC2Inventory bool `yaml:"ec2_inventory"`
	// Read parameters (approved instance types) from SSM Parameter Store
	// instead of tend's own.
	SSMParams bool `yaml:"ssm_params"`
	// Publish new versions to AWS Service Catalog instead of
	// remediation.catalog.
	ServiceCatalog bool `yaml:"service_catalog"`
	// S3 bucket new templates are uploaded to for Service Catalog.
	TemplateBucket string `yaml:"template_bucket"`
	// Key prefix for uploaded templates, e.g. tend/.
	TemplatePrefix string `yaml:"template_prefix"`
}

func defaultDynatrace() Dynatrace { return Dynatrace{Timeout: 10 * time.Second, MaxRetries: 3} }

func defaultAWS() AWS { return AWS{EC2Inventory: true} }

func (d Dynatrace) validate() []FieldError {
	var errs []FieldError
	if d.URL != "" {
		u, err := url.Parse(d.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, FieldError{Key: "dynatrace.url", Reason: "must be the environment's URL, e.g. https://abc12345.live.dynatrace.com"})
		}
		if d.Token == "" && d.TokenFile == "" {
			errs = append(errs, FieldError{Key: "dynatrace.token", Reason: "is required when dynatrace.url is set (or use dynatrace.token_file)"})
		}
	}
	if d.Timeout <= 0 {
		errs = append(errs, FieldError{Key: "dynatrace.timeout", Reason: "must be a positive duration such as 10s"})
	}
	if d.MaxRetries < 0 || d.MaxRetries > 10 {
		errs = append(errs, FieldError{Key: "dynatrace.max_retries", Reason: "must be between 0 and 10"})
	}
	return errs
}

func (a AWS) validate() []FieldError {
	var errs []FieldError
	if a.EndpointURL != "" && !strings.HasPrefix(a.EndpointURL, "http://") && !strings.HasPrefix(a.EndpointURL, "https://") {
		errs = append(errs, FieldError{Key: "aws.endpoint_url", Reason: "must be an http:// or https:// URL"})
	}
	if a.Enabled && a.ServiceCatalog && a.TemplateBucket == "" {
		errs = append(errs, FieldError{Key: "aws.template_bucket", Reason: "is required with aws.service_catalog: Service Catalog loads new templates from S3"})
	}
	if a.MaxAttempts < 0 || a.MaxAttempts > 20 {
		errs = append(errs, FieldError{Key: "aws.max_attempts", Reason: "must be between 0 and 20"})
	}
	return errs
}
