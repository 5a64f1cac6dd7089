// prediction.cpp - Normal and Student quantiles, and the prediction bound of a run's figure.
#include "perfgate/stats/prediction.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace perfgate::stats {

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("normal_quantile: p must be in (0, 1)");
  // Acklam's rational approximation (relative error below 1.2e-9), then one Halley step on
  // erfc for full double precision.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double low = 0.02425;
  double x;
  if (p < low) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

namespace {

// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz;
// Numerical Recipes, 3rd ed., sec. 6.4).
double incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incomplete_beta(1 - x, b, a);
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log(1 - x)) /
                       a;
  constexpr double kTiny = 1e-300;
  double f = 1, c = 1, d = 0;
  for (int i = 0; i <= 300; ++i) {
    const int m = i / 2;
    double numerator;
    if (i == 0) {
      numerator = 1;
    } else if (i % 2 == 0) {
      numerator = (m * (b - m) * x) / ((a + 2.0 * m - 1) * (a + 2.0 * m));
    } else {
      numerator = -((a + m) * (a + b + m) * x) / ((a + 2.0 * m) * (a + 2.0 * m + 1));
    }
    d = 1 + numerator * d;
    d = std::fabs(d) < kTiny ? kTiny : d;
    d = 1 / d;
    c = 1 + numerator / c;
    c = std::fabs(c) < kTiny ? kTiny : c;
    f *= c * d;
    if (std::fabs(1 - c * d) < 1e-14) break;
  }
  return front * (f - 1);
}

// Student's t distribution function.
double student_t_cdf(double t, double df) {
  const double tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

}  // namespace

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("student_t_quantile: p must be in (0, 1)");
  if (!(df > 0)) throw std::invalid_argument("student_t_quantile: df must be above 0");
  // Bisection on the distribution function: 200 halvings of a bracket that holds any quantile
  // a calibration asks for.
  double lo = -1e6, hi = 1e6;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

namespace {

struct LogSpread {
  double mean = 0, sd = 0, n = 0;
};

// Mean and standard deviation of the logarithms; nullopt unless every run is positive.
std::optional<LogSpread> log_spread(const std::vector<double>& runs) {
  std::vector<double> logs;
  for (const double x : runs) {
    if (!(x > 0)) return std::nullopt;
    logs.push_back(std::log(x));
  }
  LogSpread s;
  s.n = static_cast<double>(logs.size());
  s.mean = std::accumulate(logs.begin(), logs.end(), 0.0) / s.n;
  double ss = 0;
  for (const double l : logs) ss += (l - s.mean) * (l - s.mean);
  s.sd = std::sqrt(ss / (s.n - 1));
  return s;
}

}  // namespace

std::optional<double> prediction_bound(const std::vector<double>& runs, double false_alarm,
                                       metrics::Direction direction) {
  if (runs.size() < 3 || !(false_alarm > 0 && false_alarm < 1)) return std::nullopt;
  const auto s = log_spread(runs);
  if (!s) return std::nullopt;
  const double reach =
      student_t_quantile(1 - false_alarm, s->n - 1) * s->sd * std::sqrt(1 + 1 / s->n);
  return std::exp(direction == metrics::Direction::kAtMost ? s->mean + reach : s->mean - reach);
}

std::optional<HistoryChange> change_from_history(const std::vector<double>& baseline_runs,
                                                 double current, double confidence) {
  if (baseline_runs.size() < 3 || !(confidence > 0 && confidence < 1)) return std::nullopt;
  const auto s = log_spread(baseline_runs);
  if (!s) return std::nullopt;
  const double reach =
      student_t_quantile(1 - (1 - confidence) / 2, s->n - 1) * s->sd * std::sqrt(1 + 1 / s->n);
  HistoryChange h;
  h.reference = std::exp(s->mean);
  h.interval.low = current / std::exp(s->mean + reach) - 1;
  h.interval.high = current / std::exp(s->mean - reach) - 1;
  h.interval.confidence = confidence;
  h.interval.baseline_intervals = baseline_runs.size();
  h.interval.current_intervals = 1;
  return h;
}

}  // namespace perfgate::stats
