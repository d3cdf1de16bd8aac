package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"syndicate"
	"syndicate/internal/redistest"
	"syndicate/store"
	"syndicate/store/redis"
)

// poll waits for cond with a generous bound; no test asserts how long a
// failover takes.
func poll(t *testing.T, what string, bound time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, bound)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSentinel_Failover kills the primary of the private Sentinel
// deployment (scripts/with-redis.sh) under load: the sentinel promotes
// the replica, and comment writes, ingest and reads resume through the
// same store without a restart, and no write the store acknowledged
// (returned without error) is lost.
func TestSentinel_Failover(t *testing.T) {
	url, dir := os.Getenv("SYNDICATE_TEST_SENTINEL_URL"), os.Getenv("SYNDICATE_TEST_SENTINEL_DIR")
	if url == "" || dir == "" {
		t.Fatal("SYNDICATE_TEST_SENTINEL_URL and SYNDICATE_TEST_SENTINEL_DIR are not set: run `make test` or ./scripts/with-redis.sh (it starts a private Sentinel)")
	}
	fo, err := goredis.ParseFailoverURL(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: fo.SentinelAddrs[0]})
	defer sc.Close()

	// A healthy deployment first (an earlier run's failover may still be
	// healing): a primary with a replica in sync, as the sentinel sees it.
	poll(t, "a primary with a replica in sync", 60*time.Second, func() bool {
		reps, err := sc.Replicas(ctx, fo.MasterName).Result()
		if err != nil {
			return false
		}
		for _, r := range reps {
			if r["flags"] == "slave" && r["master-link-status"] == "ok" {
				return true
			}
		}
		return false
	})

	var b [6]byte
	rand.Read(b[:])
	prefix := "syntest-sentinel-" + hex.EncodeToString(b[:])
	st := MustOpen(t, redis.Options{URL: url, Prefix: prefix})
	defer st.Close()
	t.Cleanup(func() { deletePrefix(url, prefix) })

	src := syndicate.SourceRef{ID: "partner", Name: "Partner", SiteURL: "https://partner.example/", FeedURL: "https://partner.example/feed"}
	entry := func(n int) *store.Entry {
		key := fmt.Sprintf("https://partner.example/a/%d", n)
		a := &syndicate.Article{GUID: key, EntryID: key, CanonicalURL: key, Title: "Article " + strconv.Itoa(n),
			Content: "<p>Body</p>", Published: time.Unix(1_700_000_000+int64(n)*60, 0).UTC()}
		a.Updated = a.Published
		a.Hash = a.ContentHash()
		return &store.Entry{Key: key, Article: a}
	}
	if _, err := st.ApplyIngest(ctx, &store.Batch{Source: src, Now: time.Now(), Entries: []*store.Entry{entry(0)}}); err != nil {
		t.Fatal(err)
	}
	target := syndicate.MintArticleID(src.ID, entry(0).Key)

	// Load: reader comments, ingest passes and reads, each recording what
	// was acknowledged, and how much succeeded after the failover.
	var (
		mu                     sync.Mutex
		comments, articles     []string
		switched               atomic.Bool
		afterC, afterI, afterR atomic.Int64
		beforeC, beforeI       atomic.Int64
		loadCtx, stopLoad      = context.WithCancel(ctx)
		wg                     sync.WaitGroup
		lastErr                atomic.Value
	)
	defer stopLoad()
	loop := func(step func(context.Context) bool, before, after *atomic.Int64) {
		defer wg.Done()
		for loadCtx.Err() == nil {
			opCtx, cancel := context.WithTimeout(loadCtx, 5*time.Second)
			ok := step(opCtx)
			cancel()
			switch {
			case !ok:
				time.Sleep(20 * time.Millisecond)
			case switched.Load():
				after.Add(1)
			case before != nil:
				before.Add(1)
			}
		}
	}
	wg.Add(3)
	go loop(func(ctx context.Context) bool {
		c, _, err := st.AddComment(ctx, &syndicate.Comment{ArticleID: target, Author: syndicate.Author{Name: "Reader"},
			Content: "<p>Hello</p>", Published: time.Now(), Status: syndicate.StatusApproved}, 5)
		if err != nil {
			lastErr.Store(fmt.Sprintf("comment: %v", err))
			return false
		}
		mu.Lock()
		comments = append(comments, c.ID)
		mu.Unlock()
		return true
	}, &beforeC, &afterC)
	n := 0
	go loop(func(ctx context.Context) bool {
		n++
		e := entry(n)
		if _, err := st.ApplyIngest(ctx, &store.Batch{Source: src, Now: time.Now(), Entries: []*store.Entry{e}}); err != nil {
			lastErr.Store(fmt.Sprintf("ingest: %v", err))
			return false
		}
		mu.Lock()
		articles = append(articles, syndicate.MintArticleID(src.ID, e.Key))
		mu.Unlock()
		return true
	}, &beforeI, &afterI)
	go loop(func(ctx context.Context) bool {
		_, err := st.Articles(ctx, store.FeedAll, 0, 10)
		if err != nil {
			lastErr.Store(fmt.Sprintf("read: %v", err))
		}
		return err == nil
	}, nil, &afterR)

	poll(t, "writes under load before the failover", 60*time.Second, func() bool { return beforeC.Load() >= 20 && beforeI.Load() >= 5 })

	// Kill the primary (SIGKILL: nothing is flushed or handed over).
	old, err := sc.GetMasterAddrByName(ctx, fo.MasterName).Result()
	if err != nil {
		t.Fatal(err)
	}
	oldAddr := net.JoinHostPort(old[0], old[1])
	node := filepath.Join(dir, "node-"+old[1])
	raw, err := os.ReadFile(filepath.Join(node, "redis.pid"))
	if err != nil {
		t.Fatalf("the primary's pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the primary (pid %d): %v", pid, err)
	}
	poll(t, "the primary gone", 10*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
	var newAddr string
	defer func() { heal(t, node, old[1], newAddr) }()
	poll(t, "the sentinel promotes the replica", 60*time.Second, func() bool {
		cur, err := sc.GetMasterAddrByName(ctx, fo.MasterName).Result()
		if err != nil || net.JoinHostPort(cur[0], cur[1]) == oldAddr {
			return false
		}
		newAddr = net.JoinHostPort(cur[0], cur[1])
		return true
	})
	switched.Store(true)
	poll(t, fmt.Sprintf("comments, ingest and reads resume through the same store (last error: %v)", lastErr.Load()), 60*time.Second, func() bool {
		return afterC.Load() >= 10 && afterI.Load() >= 3 && afterR.Load() >= 3
	})
	stopLoad()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	lost := 0
	for _, id := range comments {
		if _, err := st.Comment(ctx, id); err != nil {
			lost++
			t.Errorf("acknowledged comment %s: %v", id, err)
		}
	}
	for _, id := range articles {
		if _, err := st.Article(ctx, id); err != nil {
			lost++
			t.Errorf("acknowledged article %s: %v", id, err)
		}
	}
	t.Logf("%d comments and %d ingest writes acknowledged (%d and %d after the failover), %d lost", len(comments), len(articles), afterC.Load(), afterI.Load(), lost)
}

// heal starts the killed node again as a replica of the new primary, with
// the same pid file (so with-redis.sh stops it), leaving the deployment
// as it was for a later run.
func heal(t *testing.T, node, port, primary string) {
	if primary == "" {
		return
	}
	host, pport, _ := net.SplitHostPort(primary)
	out, err := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "yes", "--pidfile", filepath.Join(node, "redis.pid"), "--dir", node,
		"--logfile", filepath.Join(node, "redis.log"), "--replicaof", host, pport).CombinedOutput()
	if err != nil {
		t.Errorf("restart the old primary as a replica: %v\n%s", err, out)
	}
}

// deletePrefix removes the keys of one test from the Sentinel primary.
func deletePrefix(url, prefix string) {
	fo, err := goredis.ParseFailoverURL(url)
	if err != nil {
		return
	}
	rdb := goredis.NewFailoverClient(fo)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	redistest.DeletePrefix(ctx, rdb, prefix)
}
