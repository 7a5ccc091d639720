//! k-means (linfa) on standardised behaviour features: orders, AOV, tenure and recency.
//! Deterministic for a given seed: the same customers give the same clusters.
use linfa::prelude::*;
use linfa::traits::Fit as _;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Silhouettes are computed on at most this many customers (the computation is quadratic).
pub const SILHOUETTE_SAMPLE: usize = 1500;
/// k-means fits its centroids on an even sample of at most this many customers, then assigns
/// every customer to the nearest centroid (fitting 250k customers takes seconds; 50k, a fraction).
pub const FIT_SAMPLE: usize = 50_000;
/// k tried when choosing automatically.
pub const K_RANGE: std::ops::RangeInclusive<usize> = 2..=8;

/// One customer's features: orders, AOV, tenure days, recency days.
pub type Features = [f64; 4];

#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub k: usize,
    /// Cluster of each customer, in input order; clusters are numbered by size, largest first.
    pub labels: Vec<usize>,
    /// Centroids in the features' own units.
    pub centroids: Vec<Features>,
    pub silhouette: Option<f64>,
    /// The mean and standard deviation of each feature over the fitted customers (the
    /// standardisation the distances are measured in).
    pub mean: Features,
    pub sd: Features,
}

impl Fit {
    /// The cluster whose centroid is nearest to `row` (standardised distance), as k-means
    /// assigns a customer.
    pub fn nearest(&self, row: Features) -> usize {
        let distance =
            |c: &Features| -> f64 { (0..4).map(|j| ((row[j] - c[j]) / self.sd[j]).powi(2)).sum() };
        (0..self.centroids.len())
            .min_by(|&a, &b| distance(&self.centroids[a]).total_cmp(&distance(&self.centroids[b])))
            .unwrap_or(0)
    }
}

fn standardise(rows: &[Features]) -> (Array2<f64>, Features, Features) {
    let n = rows.len().max(1) as f64;
    let mut mean = [0.0; 4];
    for r in rows {
        for j in 0..4 {
            mean[j] += r[j] / n;
        }
    }
    let mut sd = [0.0; 4];
    for r in rows {
        for j in 0..4 {
            sd[j] += (r[j] - mean[j]).powi(2) / n;
        }
    }
    let sd = sd.map(|v| if v.sqrt() > 1e-12 { v.sqrt() } else { 1.0 });
    let data = Array2::from_shape_fn((rows.len(), 4), |(i, j)| (rows[i][j] - mean[j]) / sd[j]);
    (data, mean, sd)
}

fn kmeans(data: &Array2<f64>, k: usize, seed: u64) -> Option<(Vec<usize>, Array2<f64>)> {
    let step = data.nrows().div_ceil(FIT_SAMPLE).max(1);
    let dataset = DatasetBase::from(data.slice(ndarray::s![..;step, ..]).to_owned());
    let model = KMeans::params_with_rng(k, ChaCha8Rng::seed_from_u64(seed))
        .n_runs(3)
        .max_n_iterations(100)
        .tolerance(1e-4)
        .fit(&dataset)
        .ok()?;
    let labels = model.predict(data).to_vec();
    Some((labels, model.centroids().clone()))
}

/// Mean silhouette over an even sample of the points (−1…1).
pub fn silhouette(data: &Array2<f64>, labels: &[usize], k: usize) -> Option<f64> {
    let n = labels.len();
    if k < 2 || n < 3 {
        return None;
    }
    let step = n.div_ceil(SILHOUETTE_SAMPLE).max(1);
    let sample: Vec<usize> = (0..n).step_by(step).collect();
    let dist = |a: usize, b: usize| {
        let (ra, rb) = (data.row(a), data.row(b));
        ra.iter()
            .zip(rb.iter())
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut total = 0.0;
    let mut counted = 0usize;
    for &i in &sample {
        let mut sums = vec![0.0; k];
        let mut counts = vec![0usize; k];
        for &j in &sample {
            if i != j {
                sums[labels[j]] += dist(i, j);
                counts[labels[j]] += 1;
            }
        }
        let own = labels[i];
        if counts[own] == 0 {
            continue;
        }
        let a = sums[own] / counts[own] as f64;
        let b = (0..k)
            .filter(|&c| c != own && counts[c] > 0)
            .map(|c| sums[c] / counts[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b).max(1e-12);
            counted += 1;
        }
    }
    (counted > 0).then(|| total / counted as f64)
}

/// Clusters `rows` into `k` groups, or into the k in `K_RANGE` with the best silhouette when `k`
/// is `None`. `None` when there are fewer customers than clusters.
pub fn fit(rows: &[Features], k: Option<usize>, seed: u64) -> Option<Fit> {
    let (data, mean, sd) = standardise(rows);
    let candidates: Vec<usize> = match k {
        Some(k) => vec![k],
        None => K_RANGE.collect(),
    };
    // (k, labels, centroids, silhouette)
    type Candidate = (usize, Vec<usize>, Array2<f64>, Option<f64>);
    let mut best: Option<Candidate> = None;
    for k in candidates {
        if k == 0 || rows.len() < k.max(2) {
            continue;
        }
        let Some((labels, centroids)) = kmeans(&data, k, seed) else {
            continue;
        };
        let score = silhouette(&data, &labels, k);
        let better = match &best {
            None => true,
            Some((_, _, _, s)) => score.unwrap_or(f64::MIN) > s.unwrap_or(f64::MIN),
        };
        if better {
            best = Some((k, labels, centroids, score));
        }
    }
    let (k, labels, centroids, silhouette) = best?;
    // Number clusters by size (largest first) so that ids are stable and readable.
    let mut sizes: Vec<(usize, usize)> = (0..k)
        .map(|c| (c, labels.iter().filter(|&&l| l == c).count()))
        .collect();
    sizes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut renumber = vec![0; k];
    for (new, (old, _)) in sizes.iter().enumerate() {
        renumber[*old] = new;
    }
    let mut out_centroids = vec![[0.0; 4]; k];
    for (old, row) in centroids.outer_iter().enumerate() {
        let mut c = [0.0; 4];
        for j in 0..4 {
            c[j] = row[j] * sd[j] + mean[j];
        }
        out_centroids[renumber[old]] = c;
    }
    Some(Fit {
        k,
        labels: labels.into_iter().map(|l| renumber[l]).collect(),
        centroids: out_centroids,
        silhouette,
        mean,
        sd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three obvious groups: frequent big spenders, one-off small buyers, lapsed regulars.
    fn groups() -> Vec<Features> {
        let mut rows = Vec::new();
        for i in 0..40 {
            let d = (i % 5) as f64;
            rows.push([10.0 + d * 0.2, 120.0 + d, 700.0 + d * 3.0, 5.0 + d]);
            rows.push([1.0, 15.0 + d, 30.0 + d, 20.0 + d]);
            rows.push([4.0 + d * 0.1, 40.0 + d, 500.0 + d, 300.0 + d * 2.0]);
        }
        rows
    }

    #[test]
    fn obvious_groups_are_found_and_the_result_is_deterministic() {
        let rows = groups();
        let a = fit(&rows, Some(3), 7).unwrap();
        let b = fit(&rows, Some(3), 7).unwrap();
        assert_eq!(a, b, "same seed, same clusters");
        // Members of each generated group share a cluster, and the three groups differ.
        let of = |g: usize| a.labels[g];
        for i in 0..40 {
            for g in 0..3 {
                assert_eq!(a.labels[i * 3 + g], of(g));
            }
        }
        assert_ne!(of(0), of(1));
        assert_ne!(of(1), of(2));
        assert!(a.silhouette.unwrap() > 0.8);
        // Centroids come back in the features' units.
        let big = a.centroids[of(0)];
        assert!((big[0] - 10.4).abs() < 0.01, "{big:?}");
    }

    #[test]
    fn automatic_k_picks_the_number_of_groups() {
        let fit = fit(&groups(), None, 7).unwrap();
        assert_eq!(fit.k, 3);
    }

    #[test]
    fn a_large_input_is_fitted_on_a_sample_and_every_customer_assigned() {
        // 60,000 customers in three groups: more than FIT_SAMPLE, so the centroids come from
        // every second customer and each of the 60,000 gets the label of its group.
        let rows: Vec<Features> = groups().into_iter().cycle().take(60_000).collect();
        let fit = fit(&rows, Some(3), 7).unwrap();
        assert_eq!(fit.labels.len(), 60_000);
        for (i, label) in fit.labels.iter().enumerate() {
            assert_eq!(*label, fit.labels[i % 3], "customer {i}");
        }
        assert!((fit.centroids[fit.labels[0]][0] - 10.4).abs() < 0.01);
    }

    #[test]
    fn a_row_is_assigned_to_the_cluster_k_means_gives_it() {
        let rows = groups();
        let fit = fit(&rows, Some(3), 7).unwrap();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(fit.nearest(*row), fit.labels[i], "row {i}");
        }
        // A new customer like the frequent big spenders joins them.
        assert_eq!(fit.nearest([11.0, 118.0, 690.0, 4.0]), fit.labels[0]);
    }

    #[test]
    fn too_few_customers_give_no_clusters() {
        assert!(fit(&[[1.0, 2.0, 3.0, 4.0]], Some(5), 1).is_none());
    }
}
