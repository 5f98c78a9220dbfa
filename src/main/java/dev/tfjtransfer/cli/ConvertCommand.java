package dev.tfjtransfer.cli;

import dev.tfjtransfer.nn.LoadMode;
import dev.tfjtransfer.nn.LoadReport;
import dev.tfjtransfer.weights.KerasConversion;
import dev.tfjtransfer.weights.KerasH5;
import dev.tfjtransfer.nn.Model;
import dev.tfjtransfer.weights.Safetensors;
import dev.tfjtransfer.weights.StateDict;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code convert}: any supported weights file to the project's safetensors. */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = "Convert PyTorch .pth (zip or legacy), Keras .h5 or safetensors weights to the project's safetensors.")
final class ConvertCommand implements Callable<Integer> {
  @Option(names = "--in", required = true,
      description = "weights file: .pth (torch zip or legacy), Keras .h5 (vgg16 / resnet50_keras) or .safetensors")
  Path input;

  @Option(names = "--out", required = true, description = "safetensors file to write")
  Path output;

  @ArgGroup(exclusive = false, heading = "Check that the weights fit a model (strict load):%n")
  ModelOptions check;

  @Override
  public Integer call() throws Exception {
    StateDict state = KerasH5.isHdf5File(input)
        ? KerasConversion.convert(input, check == null ? null : check.architecture) : StateDict.read(input);
    if (check != null) {
      try (Model model = check.create()) {
        // missing keys are allowed (a _notop file, a replaced head); anything that does not fit is not
        LoadReport report = model.loadStateDict(state, LoadMode.SKIP_MISMATCHED);
        if (!report.unexpected().isEmpty() || !report.mismatched().isEmpty()) {
          throw new IllegalArgumentException(input + " does not fit " + check.architecture + ": " + report.problems(8));
        }
        if (!report.missing().isEmpty()) {
          System.out.println("not in the file (left to initialize): " + report.problems(8));
        }
      }
    }
    Safetensors.write(state, output);
    System.out.printf("wrote %s: %d tensors, %,d values, sha256 %s%n", output, state.size(), state.valueCount(),
        sha256(output));
    return 0;
  }

  static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
