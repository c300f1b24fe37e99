package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/queue"
)

// openQueue connects to NATS and opens the JetStream objects.
func (f *embedFlags) openQueue(ctx context.Context, name string) (*queue.Queue, func(), error) {
	nc, err := nats.Connect(f.natsURL, nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", f.natsURL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	q, err := queue.Open(ctx, js, queue.NewNames(f.names), queue.Settings{AckWait: f.ackWait, Attempts: f.attempts})
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("%w (is JetStream enabled on %s?)", err, f.natsURL)
	}
	return q, func() { _ = nc.Drain() }, nil
}

func newEmbedSubmitCmd(g *globals) *cobra.Command {
	f := &embedFlags{}
	cmd := &cobra.Command{
		Use:   "submit --source DIR|s3://bucket/prefix --model FILE.onnx --nats URL",
		Short: "List the sources and queue one NATS message per batch; prints the job IDs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := embed.LoadModel(f.model)
			if err != nil {
				return err
			}
			q, closeQ, err := f.openQueue(cmd.Context(), "tend embed submit")
			if err != nil {
				return err
			}
			defer closeQ()
			open := f.opener(cmd, g)
			for _, uri := range f.sources {
				src, err := open(uri)
				if err != nil {
					return err
				}
				job, err := q.Submit(cmd.Context(), queue.NewJobID(time.Now()), src, m.Digest(), f.batch, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), job.ID)
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d images in %d batches queued as job %s\n", job.Source, job.Images, job.Batches, job.ID)
			}
			return nil
		},
	}
	f.bindSources(cmd)
	f.bindModel(cmd)
	f.bindAWS(cmd)
	f.bindNATS(cmd)
	return cmd
}

func newEmbedWorkerCmd(g *globals) *cobra.Command {
	f := &embedFlags{}
	cmd := &cobra.Command{
		Use:   "worker --model FILE.onnx --nats URL",
		Short: "Pull batches from NATS and embed them until stopped",
		Long: `Pull batches from the NATS JetStream work queue one at a time, embed them and
write the vectors to the sink before acknowledging. Run one per core, on any
number of machines; each must be able to read the sources the jobs name.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config(cmd)
			if err != nil {
				return err
			}
			log, err := g.logger(cmd, cfg)
			if err != nil {
				return err
			}
			m, err := embed.LoadModel(f.model)
			if err != nil {
				return err
			}
			sink, closeSink, err := f.openSink(cmd, g)
			if err != nil {
				return err
			}
			defer closeSink()
			host, _ := os.Hostname()
			name := fmt.Sprintf("%s:%d", host, os.Getpid())
			q, closeQ, err := f.openQueue(cmd.Context(), "tend embed worker "+name)
			if err != nil {
				return err
			}
			defer closeQ()
			open := f.opener(cmd, g)
			var mu sync.Mutex
			sources := map[string]embed.Source{}
			openOnce := func(_ context.Context, uri string) (embed.Source, error) {
				mu.Lock()
				defer mu.Unlock()
				if src, ok := sources[uri]; ok {
					return src, nil
				}
				src, err := open(uri)
				if err == nil {
					sources[uri] = src
				}
				return src, err
			}
			log.Info("embed worker running", "nats", f.natsURL, "model", m.Digest(), "sink", f.sink, "worker", name, "goroutines", f.workers)
			var wg sync.WaitGroup
			errs := make([]error, f.workers)
			workers := make([]*queue.Worker, f.workers)
			for i := range workers {
				wname := name
				if f.workers > 1 {
					wname = fmt.Sprintf("%s/%d", name, i)
				}
				workers[i] = q.NewWorker(queue.WorkerOptions{Name: wname, Model: m, Sink: sink, Logger: log.With("component", "embed-worker", "worker", wname),
					IdleExit: f.idleExit, Open: openOnce,
					OnBatch: func(b queue.Batch, res embed.BatchResult) {
						log.Info("batch done", "worker", wname, "job", b.Job, "batch", b.Seq, "embedded", res.Embedded, "skipped", res.Skipped, "failed", len(res.Failures))
					}})
				wg.Go(func() { errs[i] = workers[i].Run(cmd.Context()) })
			}
			wg.Wait()
			total := 0
			for _, w := range workers {
				total += w.Batches()
			}
			log.Info("embed worker stopped", "batches", total)
			return errors.Join(errs...)
		},
	}
	f.bindModel(cmd)
	f.bindSink(cmd)
	f.bindAWS(cmd)
	f.bindNATS(cmd)
	cmd.Flags().DurationVar(&f.idleExit, "exit-when-idle", 0, "stop after the queue has been empty this long (0: run until stopped)")
	cmd.Flags().IntVar(&f.workers, "workers", 1, "batches worked on at once in this process, each on its own core")
	return cmd
}

func newEmbedStatusCmd(g *globals) *cobra.Command {
	f := &embedFlags{}
	var wait bool
	cmd := &cobra.Command{
		Use:   "status JOB --nats URL",
		Short: "Show a job's batches: done, in flight, failed, queued",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, closeQ, err := f.openQueue(cmd.Context(), "tend embed status")
			if err != nil {
				return err
			}
			defer closeQ()
			for {
				st, err := q.Status(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if !wait || st.Complete() {
					dead, err := q.DeadLetters(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if f.jsonOut {
						enc := json.NewEncoder(cmd.OutOrStdout())
						enc.SetIndent("", "  ")
						return enc.Encode(map[string]any{"status": st, "dead_letters": dead, "complete": st.Complete()})
					}
					tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "JOB\tBATCHES\tDONE\tIN FLIGHT\tFAILED\tQUEUED\tEMBEDDED\tSKIPPED\tBAD IMAGES")
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", st.Job.ID, st.Job.Batches, st.Done, st.InFlight, st.Failed, st.Queued, st.Embedded, st.Skipped, st.ImageFailures)
					if err := tw.Flush(); err != nil {
						return err
					}
					if dead > 0 {
						fmt.Fprintf(cmd.ErrOrStderr(), "%d batches are on the dead-letter subject %s.dead.%s\n", dead, queue.NewNames(f.names).Subject, st.Job.ID)
					}
					return nil
				}
				select {
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				case <-time.After(500 * time.Millisecond):
				}
			}
		},
	}
	f.bindNATS(cmd)
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until every batch is done or failed")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the status as JSON")
	return cmd
}
