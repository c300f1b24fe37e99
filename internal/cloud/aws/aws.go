// Package aws holds tend's AWS providers for self-healing, built on
// aws-sdk-go-v2 with the default credential chain:
//
//   - Inventory (remediate.Inventory): EC2 DescribeInstances — an instance's
//     type and tags, including the Service Catalog tags
//     aws:servicecatalog:productArn,
//     aws:servicecatalog:provisioningArtifactIdentifier and
//     aws:cloudformation:logical-id;
//   - Params (remediate.Params): SSM Parameter Store GetParameter — e.g. the
//     StringList /dynatrace/approvedinstancetypes;
//   - Catalog (catalog.Catalog, kind "servicecatalog"): AWS Service Catalog
//     products and provisioning artifacts, with templates kept in S3.
//
// Region, profile and one endpoint URL for all services (LocalStack, a test
// fake) are configurable.
package aws

import (
	"context"
	"errors"
	"fmt"
	smithylog "github.com/aws/smithy-go/logging"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// ErrNotFound: no such instance or parameter. Catalog methods wrap
// catalog.ErrNotFound instead.
var ErrNotFound = errors.New("not found")

// Config configures the AWS providers.
type Config struct {
	// Region is the AWS region (e.g. eu-west-1). Empty means the default
	// chain's (AWS_REGION, the profile's region).
	Region string
	// EndpointURL, when set, sends every service's calls to this URL
	// (LocalStack, a test fake); S3 then uses path-style addressing.
	EndpointURL string
	// Profile is a shared-config profile name; empty means the default
	// chain (environment, shared files, SSO, web identity, instance role).
	Profile string
	// TemplateBucket is the S3 bucket new template versions are uploaded
	// to before Service Catalog loads them. Required to Publish.
	TemplateBucket string
	// TemplatePrefix is prepended to the template keys, e.g. "tend/".
	TemplatePrefix string
	// MaxAttempts bounds the SDK's attempts per call (retries with backoff
	// on throttling and 5xx); 0 keeps the SDK default (3).
	MaxAttempts int
}

// Validate checks the configuration without calling AWS.
func (c Config) Validate() error {
	if c.EndpointURL != "" {
		u, err := url.Parse(c.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("aws: endpoint_url %q must be an absolute http(s) URL", c.EndpointURL)
		}
	}
	if c.TemplateBucket != "" && (len(c.TemplateBucket) < 3 || len(c.TemplateBucket) > 63 || strings.ContainsAny(c.TemplateBucket, "/ ")) {
		return fmt.Errorf("aws: template_bucket %q is not an S3 bucket name", c.TemplateBucket)
	}
	if strings.HasPrefix(c.TemplatePrefix, "/") {
		return fmt.Errorf("aws: template_prefix %q must not start with /", c.TemplatePrefix)
	}
	if c.MaxAttempts < 0 {
		return fmt.Errorf("aws: max_attempts %d must not be negative", c.MaxAttempts)
	}
	return nil
}

// Providers are the three AWS implementations, sharing one configuration.
type Providers struct {
	Inventory *Inventory
	Params    *Params
	Catalog   *Catalog
}

// New loads the default credential chain (with cfg's region and profile)
// and returns the providers. It makes no AWS call.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Providers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(cfg.Profile))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws: load configuration: %w", err)
	}
	return NewFromConfig(awsCfg, cfg, logger)
}

// NewFromConfig returns the providers for an already loaded aws.Config
// (tests pass static credentials and a fake's URL as cfg.EndpointURL).
func NewFromConfig(awsCfg awssdk.Config, cfg Config, logger *slog.Logger) (*Providers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if awsCfg.Region == "" {
		return nil, errors.New("aws: no region: set region in tend's aws configuration, AWS_REGION, or the profile's region")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if awsCfg.HTTPClient == nil {
		awsCfg.HTTPClient = awssdk.NewConfig().HTTPClient
	}
	// The SDK's own messages go to tend's log, not to stderr.
	awsCfg.Logger = smithylog.LoggerFunc(func(c smithylog.Classification, format string, v ...any) {
		level := slog.LevelDebug
		if c == smithylog.Warn {
			level = slog.LevelWarn
		}
		logger.Log(context.Background(), level, "aws sdk: "+fmt.Sprintf(format, v...))
	})
	endpoint := func() *string {
		if cfg.EndpointURL == "" {
			return nil
		}
		return awssdk.String(strings.TrimRight(cfg.EndpointURL, "/"))
	}
	attempts := func(n *int) {
		if cfg.MaxAttempts > 0 {
			*n = cfg.MaxAttempts
		}
	}
	ec2c := ec2.NewFromConfig(awsCfg, func(o *ec2.Options) { o.BaseEndpoint = endpoint(); attempts(&o.RetryMaxAttempts) })
	ssmc := ssm.NewFromConfig(awsCfg, func(o *ssm.Options) { o.BaseEndpoint = endpoint(); attempts(&o.RetryMaxAttempts) })
	scc := servicecatalog.NewFromConfig(awsCfg, func(o *servicecatalog.Options) {
		o.BaseEndpoint = endpoint()
		attempts(&o.RetryMaxAttempts)
	})
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.BaseEndpoint = endpoint()
		o.UsePathStyle = cfg.EndpointURL != ""
		attempts(&o.RetryMaxAttempts)
	})
	var hc *http.Client
	if c, ok := awsCfg.HTTPClient.(*http.Client); ok {
		hc = c
	} else {
		// Presigned template URLs are fetched with a bounded plain client.
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Providers{
		Inventory: &Inventory{api: ec2c},
		Params:    &Params{api: ssmc},
		Catalog: &Catalog{
			sc: scc,
			templates: &templateStore{
				s3:       s3c,
				http:     hc,
				bucket:   cfg.TemplateBucket,
				prefix:   cfg.TemplatePrefix,
				region:   awsCfg.Region,
				endpoint: strings.TrimRight(cfg.EndpointURL, "/"),
			},
			log: logger,
		},
	}, nil
}
