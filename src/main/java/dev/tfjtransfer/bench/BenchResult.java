package dev.tfjtransfer.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One benchmark configuration's timing, with the field names of the PyTorch peer's bench.py so the
 * two JSON-line outputs can be joined.
 */
public record BenchResult(
    @JsonProperty("model") String model,
    @JsonProperty("mode") String mode,
    @JsonProperty("batch") int batch,
    @JsonProperty("size") int size,
    @JsonProperty("threads") int threads,
    @JsonProperty("warmup") int warmup,
    @JsonProperty("steps") int steps,
    @JsonProperty("median_s_per_step") double medianSecondsPerStep,
    @JsonProperty("images_per_s") double imagesPerSecond,
    @JsonProperty("min_s_per_step") double minSecondsPerStep,
    @JsonProperty("max_s_per_step") double maxSecondsPerStep,
    @JsonProperty("mean_s_per_step") double meanSecondsPerStep,
    @JsonProperty("peak_rss_mb") long peakRssMb,
    @JsonProperty("precision") String precision,
    @JsonProperty("data") String data,
    @JsonProperty("implementation") String implementation,
    @JsonProperty("loadavg_1m_before") String loadavg1mBefore,
    @JsonProperty("inter_op_threads") int interOpThreads,
    /** Executed kernels by op type and element type ({@code --kernels}), else null. */
    @JsonProperty("kernels") @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Integer> kernels,
    /** The same kernels' summed time in microseconds in the traced step ({@code --kernels}), else null. */
    @JsonProperty("kernel_micros") @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Long> kernelMicros) {}
