package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"syndicate/admin"
	"syndicate/comments"
)

// statusWriter records the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRequestLog logs each request at debug level. Without debug logging
// it adds nothing to the hot path (handlers log their own failures).
func withRequestLog(next http.Handler, log *slog.Logger) http.Handler {
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start).String())
	})
}

// withRecover turns a handler panic into a 500 and a log line.
func withRecover(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("handler panicked", "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// metricsGuard serves /metrics to clients whose address is in from (by
// default loopback: a Prometheus on the host or beside it) and, from any
// address, to a request carrying an admin token. The metrics name every
// source (held ones too) and every route's traffic: not for the public.
func metricsGuard(next http.Handler, api *admin.API, from, trustedProxies []netip.Prefix) http.Handler {
	withToken := api.Require(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, err := netip.ParseAddr(comments.ClientIP(r, trustedProxies)); err == nil {
			for _, p := range from {
				if p.Contains(a) {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		if r.Header.Get("Authorization") != "" {
			withToken.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "/metrics is served to the addresses of http.metrics_from and to admin tokens (Authorization: Bearer TOKEN)", http.StatusForbidden)
	})
}
