package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithylog "github.com/aws/smithy-go/logging"
	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/dynamo"
	"github.com/tendhq/tend/internal/embed/queue"
	"github.com/tendhq/tend/internal/embed/source"
	"github.com/tendhq/tend/internal/embed/vectors"
)

var _ = registerCommand(newEmbedCmd)

// embedFlags are the flags the embed subcommands share.
type embedFlags struct {
	sources     []string
	model       string
	batch       int
	workers     int
	sink        string
	awsEndpoint string
	awsRegion   string
	noProgress  bool
	jsonOut     bool
	natsURL     string
	ackWait     time.Duration
	attempts    int
	idleExit    time.Duration
	names       string // hidden: a prefix for the JetStream names (tests)
}

func newEmbedCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "embed",
		Short: "Turn images into vectors with an ONNX model, in-process or on NATS workers",
		Long: `tend embed turns every image under directories or S3 prefixes into a vector
with an ONNX model (tend's pure-Go runtime: nothing to install) and keeps the
vectors in tend's store (GET /v1/embeddings/{id}, POST /v1/embeddings/search)
or in DynamoDB, in the seed's item shape.

  tend embed run --source ./images --model resnet18-512.onnx
  tend embed submit --source s3://bucket/images/ --model m.onnx --nats nats://host:4222
  tend embed worker --model m.onnx --nats nats://host:4222      (on each machine)
  tend embed status JOB --nats nats://host:4222

See docs/embeddings.md.`,
	}
	cmd.AddCommand(newEmbedRunCmd(g), newEmbedSubmitCmd(g), newEmbedWorkerCmd(g), newEmbedStatusCmd(g), newEmbedEvalCmd(), newEmbedBenchCmd())
	return cmd
}

func (f *embedFlags) bindModel(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.model, "model", "", "ONNX model file: float32 [n,C,H,W] in, [n,D] out (required)")
	_ = cmd.MarkFlagRequired("model")
}

func (f *embedFlags) bindSources(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.sources, "source", nil, "a directory or s3://bucket/prefix of images (repeatable; required)")
	cmd.Flags().IntVar(&f.batch, "batch", 64, "images per batch")
	_ = cmd.MarkFlagRequired("source")
}

func (f *embedFlags) bindSink(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.sink, "sink", "store", `where vectors go: "store" (tend's store: --data-dir or --store) or dynamodb://TABLE`)
}

func (f *embedFlags) bindAWS(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.awsEndpoint, "aws-endpoint", "", "send S3 and DynamoDB calls to this URL (LocalStack, MinIO); default aws.endpoint_url")
	cmd.Flags().StringVar(&f.awsRegion, "aws-region", "", "AWS region; default aws.region, AWS_REGION or the profile's")
}

func (f *embedFlags) bindNATS(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.natsURL, "nats", nats.DefaultURL, "NATS server URL(s), comma-separated; JetStream must be enabled")
	cmd.Flags().DurationVar(&f.ackWait, "ack-wait", queue.DefaultSettings.AckWait, "how long a batch may go unacknowledged before another worker gets it (longer than a batch)")
	cmd.Flags().IntVar(&f.attempts, "attempts", queue.DefaultSettings.Attempts, "tries per batch before it goes to the dead-letter subject")
	cmd.Flags().StringVar(&f.names, "jetstream-prefix", "", "prefix for the stream, consumer and bucket names (to keep several deployments apart)")
}

// awsConfig loads the default AWS configuration with tend's and the
// flags' region and profile.
func (f *embedFlags) awsConfig(cmd *cobra.Command, g *globals) (aws.Config, string, error) {
	cfg, err := g.config(cmd)
	if err != nil {
		return aws.Config{}, "", err
	}
	region, endpoint := cfg.AWS.Region, cfg.AWS.EndpointURL
	if f.awsRegion != "" {
		region = f.awsRegion
	}
	if f.awsEndpoint != "" {
		endpoint = f.awsEndpoint
	}
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if cfg.AWS.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(cfg.AWS.Profile))
	}
	ac, err := awsconfig.LoadDefaultConfig(cmd.Context(), opts...)
	if err != nil {
		return aws.Config{}, "", fmt.Errorf("aws: load configuration: %w", err)
	}
	if ac.Region == "" {
		return aws.Config{}, "", errors.New("aws: no region: pass --aws-region, set AWS_REGION or aws.region")
	}
	// The SDK's own messages go to tend's log at debug, not to stderr.
	if log, err := g.logger(cmd, cfg); err == nil {
		ac.Logger = smithylog.LoggerFunc(func(c smithylog.Classification, format string, v ...any) {
			level := slog.LevelDebug
			if c == smithylog.Warn {
				level = slog.LevelWarn
			}
			log.Log(cmd.Context(), level, "aws sdk: "+fmt.Sprintf(format, v...))
		})
	}
	return ac, strings.TrimRight(endpoint, "/"), nil
}

// opener returns the function that opens sources, with an S3 client made
// on first use.
func (f *embedFlags) opener(cmd *cobra.Command, g *globals) func(uri string) (embed.Source, error) {
	var once sync.Once
	var client source.S3API
	var cerr error
	s3c := func() (source.S3API, error) {
		once.Do(func() {
			ac, endpoint, err := f.awsConfig(cmd, g)
			if err != nil {
				cerr = err
				return
			}
			client = s3.NewFromConfig(ac, func(o *s3.Options) {
				if endpoint != "" {
					o.BaseEndpoint = aws.String(endpoint)
					o.UsePathStyle = true
				}
			})
		})
		return client, cerr
	}
	return func(uri string) (embed.Source, error) { return source.Open(uri, s3c) }
}

// openSink opens the sink the flag names; close releases it.
func (f *embedFlags) openSink(cmd *cobra.Command, g *globals) (embed.Sink, func(), error) {
	switch {
	case f.sink == "store":
		db, _, err := g.openStore(cmd.Context(), cmd)
		if err != nil {
			return nil, nil, err
		}
		return vectors.New(db), func() { db.Close() }, nil
	case strings.HasPrefix(f.sink, "dynamodb://"):
		table := strings.TrimPrefix(f.sink, "dynamodb://")
		if table == "" || strings.Contains(table, "/") {
			return nil, nil, fmt.Errorf("--sink %q: want dynamodb://TABLE", f.sink)
		}
		ac, endpoint, err := f.awsConfig(cmd, g)
		if err != nil {
			return nil, nil, err
		}
		return dynamo.New(dynamo.NewClient(ac, endpoint), table), func() {}, nil
	}
	return nil, nil, fmt.Errorf(`--sink %q: want "store" or dynamodb://TABLE`, f.sink)
}

func newEmbedRunCmd(g *globals) *cobra.Command {
	f := &embedFlags{}
	cmd := &cobra.Command{
		Use:   "run --source DIR|s3://bucket/prefix --model FILE.onnx",
		Short: "Embed every image of the sources in this process",
		Long: `Embed every image of the sources with a pool of in-process workers. A rerun
skips images already embedded with the same model and the same bytes (store
sink). Images that do not decode are reported and skipped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := embed.LoadModel(f.model)
			if err != nil {
				return err
			}
			sink, closeSink, err := f.openSink(cmd, g)
			if err != nil {
				return err
			}
			defer closeSink()
			open := f.opener(cmd, g)
			var reports []embed.Report
			for _, uri := range f.sources {
				src, err := open(uri)
				if err != nil {
					return err
				}
				bar := newProgress(cmd.ErrOrStderr(), "embed", "images", 0, f.noProgress || f.jsonOut).withETA()
				rep, err := embed.Run(cmd.Context(), embed.Job{Source: src, Model: m, Sink: sink, Batch: f.batch, Workers: f.workers, Progress: bar.update})
				bar.done()
				if err != nil {
					return fmt.Errorf("embed %s: %w", src.URI(), err)
				}
				reports = append(reports, rep)
				if !f.jsonOut {
					printEmbedReport(cmd, src.URI(), rep)
				}
			}
			if f.jsonOut {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"model": m.Digest(), "reports": reports})
			}
			return nil
		},
	}
	f.bindSources(cmd)
	f.bindModel(cmd)
	f.bindSink(cmd)
	f.bindAWS(cmd)
	cmd.Flags().IntVar(&f.workers, "workers", 1, "worker goroutines, each running the model on one core")
	cmd.Flags().BoolVar(&f.noProgress, "no-progress", false, "do not draw the progress bar")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the reports as JSON")
	return cmd
}

func printEmbedReport(cmd *cobra.Command, uri string, r embed.Report) {
	rate := float64(r.Embedded+r.Skipped) / max(r.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %d images: %d embedded, %d already embedded, %d failed in %s (%.0f images/s)\n",
		uri, r.Images, r.Embedded, r.Skipped, len(r.Failures), r.Elapsed.Round(time.Millisecond), rate)
	for i, fl := range r.Failures {
		if i == 20 {
			fmt.Fprintf(cmd.ErrOrStderr(), "  … and %d more\n", len(r.Failures)-20)
			break
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "  skipped %s: %s\n", fl.ID, fl.Error)
	}
}

func newEmbedEvalCmd() *cobra.Command {
	f := &embedFlags{}
	var train, test string
	cmd := &cobra.Command{
		Use:   "eval --model FILE.onnx --train DIR --test DIR",
		Short: "1-nearest-neighbour accuracy of a model's embeddings on labelled image trees",
		Long: `Embed two trees of images labelled by their first directory (DIR/coat/1.png)
and print the share of test images whose most cosine-similar training image
has the same label. models/fashion-mnist/export_png.py writes Fashion-MNIST so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := embed.LoadModel(f.model)
			if err != nil {
				return err
			}
			tr, err := source.NewDir(train)
			if err != nil {
				return err
			}
			te, err := source.NewDir(test)
			if err != nil {
				return err
			}
			start := time.Now()
			rep, err := embed.NearestNeighbour(cmd.Context(), m, tr, te, f.workers, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "1-NN accuracy %.4f (%d of %d test images; %d training images) in %s\n",
				rep.Accuracy, rep.Correct, rep.Test, rep.Train, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f.bindModel(cmd)
	cmd.Flags().StringVar(&train, "train", "", "labelled training images (required)")
	cmd.Flags().StringVar(&test, "test", "", "labelled test images (required)")
	cmd.Flags().IntVar(&f.workers, "workers", 1, "worker goroutines")
	_ = cmd.MarkFlagRequired("train")
	_ = cmd.MarkFlagRequired("test")
	return cmd
}

func newEmbedBenchCmd() *cobra.Command {
	f := &embedFlags{}
	var seconds float64
	cmd := &cobra.Command{
		Use:   "bench --model FILE.onnx",
		Short: "Measure the model runtime's images/s on random input",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := embed.LoadModel(f.model)
			if err != nil {
				return err
			}
			per := m.Spec().Len()
			var mu sync.Mutex
			total := 0
			var wg sync.WaitGroup
			errs := make(chan error, f.workers)
			deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
			start, cpu0 := time.Now(), processCPU()
			for w := range f.workers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 1))
					in := make([]float32, f.batch*per)
					for i := range in {
						in[i] = float32(r.NormFloat64())
					}
					run := m.NewRunner()
					if _, err := run.Run(cmd.Context(), in, f.batch); err != nil { // warm-up
						errs <- err
						return
					}
					n := 0
					for time.Now().Before(deadline) {
						if _, err := run.Run(cmd.Context(), in, f.batch); err != nil {
							errs <- err
							return
						}
						n += f.batch
					}
					mu.Lock()
					total += n
					mu.Unlock()
				})
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				return err
			}
			el, cpu := time.Since(start), processCPU()-cpu0
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d workers, batch %d: %.1f images/s, %.1f images/cpu-s (%d images in %s, %s of CPU)\n",
				f.model, f.workers, f.batch, float64(total)/el.Seconds(), float64(total)/cpu.Seconds(), total, el.Round(time.Millisecond), cpu.Round(time.Millisecond))
			return nil
		},
	}
	f.bindModel(cmd)
	cmd.Flags().IntVar(&f.workers, "workers", 1, "goroutines, each with its own runner")
	cmd.Flags().IntVar(&f.batch, "batch", 1, "images per model run")
	cmd.Flags().Float64Var(&seconds, "seconds", 10, "how long to measure")
	return cmd
}

// processCPU is the process's user + system CPU time: on a machine shared
// with other work, images per CPU-second is the repeatable figure.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
