package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tendhq/tend/internal/embed/queue"
	"github.com/tendhq/tend/internal/embed/vectors"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestEmbedWorkerKilled runs the distributed embedding as a user would —
// tend embed submit, two tend embed worker processes — on 10,000 images
// against the real NATS JetStream, kills one worker with SIGKILL in the
// middle of its work, and checks that the job finishes with every image
// embedded exactly once: 0 lost, 0 duplicated.
func TestEmbedWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	natsURL := "nats://127.0.0.1:4222"
	if u := os.Getenv("TEND_TEST_NATS_URL"); u != "" {
		natsURL = u
	}
	bin := filepath.Join(t.TempDir(), "tend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const images = 10_000
	dir := writeImages(t, images)
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := "k" + hex.EncodeToString(b[:])
	t.Cleanup(func() { dropJetStream(natsURL, prefix) })

	// Workers share a store: PostgreSQL when the test database is set (as
	// in CI), else one SQLite file.
	storeArgs := []string{"--data-dir", t.TempDir()}
	var open func() (*sqlstore.DB, error)
	if os.Getenv(storetest.PostgresEnv) != "" {
		u := storetest.PostgresSchemaURL(t)
		storeArgs = []string{"--store", u}
		open = func() (*sqlstore.DB, error) { return postgres.Open(context.Background(), u) }
	} else {
		d := storeArgs[1]
		open = func() (*sqlstore.DB, error) { return sqlite.Open(context.Background(), d) }
	}
	common := []string{"--nats", natsURL, "--jetstream-prefix", prefix, "--ack-wait", "3s", "--attempts", "5"}
	model := "../../models/fashion-mnist/fashion-cnn.onnx"

	out, err := exec.Command(bin, append([]string{"embed", "submit", "--source", dir, "--model", model, "--batch", "100"}, common...)...).Output()
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	job := strings.TrimSpace(string(out))
	start := time.Now()

	worker := func(name string) (*exec.Cmd, <-chan string) {
		args := append([]string{"embed", "worker", "--model", model, "--exit-when-idle", "6s", "--log-format", "json"}, storeArgs...)
		cmd := exec.Command(bin, append(args, common...)...)
		cmd.Env = append(os.Environ(), "TEND_CONFIG=")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		done := make(chan string, 1000)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), `"msg":"batch done"`) {
					done <- sc.Text()
				}
			}
			close(done)
		}()
		return cmd, done
	}
	// Watch the job's records: a worker writes JOB.running.N as it starts
	// batch N, so the victim is killed inside a batch.
	q := openQueue(t, natsURL, prefix)
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	watch, err := q.WatchRunning(watchCtx, job)
	if err != nil {
		t.Fatal(err)
	}
	victim, _ := worker("a")
	survivor, _ := worker("b")
	me := fmt.Sprintf(":%d", victim.Process.Pid)
	started, killedBatch := 0, -1
	timeout := time.After(90 * time.Second)
	for killedBatch < 0 {
		select {
		case r := <-watch:
			if !strings.HasSuffix(r.Worker, me) {
				continue
			}
			// The victim's 11th batch: kill it the moment it starts.
			if started++; started == 11 {
				if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killedBatch = r.Seq
			}
		case <-timeout:
			t.Fatalf("the victim started %d batches in 90 s", started)
		}
	}
	_ = victim.Wait()
	killedAt := time.Since(start)

	waitExit := make(chan error, 1)
	go func() { waitExit <- survivor.Wait() }()
	select {
	case err := <-waitExit:
		if err != nil {
			t.Fatalf("surviving worker: %v", err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("the job did not finish within 3 minutes")
	}

	st, err := q.Status(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := vectors.New(db).Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	if len(ms) == 1 {
		rows = ms[0].Vectors
	}
	var distinct int
	if err := db.SQL().QueryRow(`SELECT COUNT(DISTINCT image_id) FROM embeddings`).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	raw, _ := json.Marshal(st)
	t.Logf("killed a worker inside batch %d at %s; job done in %s: %s; %d rows, %d distinct images: lost %d, duplicated %d",
		killedBatch, killedAt.Round(time.Millisecond), elapsed.Round(time.Millisecond), raw, rows, distinct, images-distinct, rows-distinct)
	if !st.Complete() || st.Done != 100 || st.Failed != 0 {
		t.Fatalf("job not complete: %s", raw)
	}
	if st.Embedded+st.Skipped != images || st.ImageFailures != 0 {
		t.Fatalf("done batches account for %d embedded + %d skipped, want %d in all", st.Embedded, st.Skipped, images)
	}
	if st.Redelivered < 1 {
		t.Fatalf("no batch was redelivered: the kill did not land mid-batch (%s)", raw)
	}
	if rows != images || distinct != images {
		t.Fatalf("%d rows for %d distinct images, want %d of each", rows, distinct, images)
	}
}

// writeImages writes n 28×28 PNGs (the 20 test images over and over) in
// directories of 1,000.
func writeImages(t *testing.T, n int) string {
	t.Helper()
	var files [][]byte
	err := filepath.Walk("../../internal/embed/testdata/fashion", func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, err := os.ReadFile(p)
			files = append(files, data)
			return err
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("read test images: %v", err)
	}
	dir := t.TempDir()
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("%02d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%05d.png", i)), files[i%len(files)], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openQueue(t *testing.T, url, prefix string) *queue.Queue {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.Open(context.Background(), js, queue.NewNames(prefix), queue.Settings{AckWait: 3 * time.Second, Attempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func dropJetStream(url, prefix string) {
	nc, err := nats.Connect(url)
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	n := queue.NewNames(prefix)
	ctx := context.Background()
	_ = js.DeleteStream(ctx, n.Stream)
	_ = js.DeleteStream(ctx, n.DeadStream)
	_ = js.DeleteKeyValue(ctx, n.Bucket)
}
