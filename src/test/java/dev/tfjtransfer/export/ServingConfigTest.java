package dev.tfjtransfer.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** models.config lists the models under an export root and nothing else that lives there. */
class ServingConfigTest {
  @TempDir
  Path root;

  @Test
  void listsOnlyDirectoriesHoldingANumericVersionWithASavedModel() throws Exception {
    // `export --out mymodel` run in a project directory: the root is the project
    Files.createDirectories(root.resolve("mymodel/1/variables"));
    Files.writeString(root.resolve("mymodel/1/saved_model.pb"), "pb");
    Files.createDirectories(root.resolve("other/3"));
    Files.writeString(root.resolve("other/3/saved_model.pb"), "pb");
    Files.createDirectories(root.resolve("src/main"));
    Files.createDirectories(root.resolve("data/2")); // numeric, but no SavedModel
    Files.writeString(root.resolve("data/2/x.txt"), "x");
    Files.createDirectories(root.resolve("half/.tmp-1-99")); // an unfinished export only
    Files.writeString(root.resolve("half/.tmp-1-99/saved_model.pb"), "pb");
    Files.createDirectories(root.resolve("notes/v1"));
    Files.writeString(root.resolve("notes/v1/saved_model.pb"), "pb");

    Path file = ServingConfig.write(root);

    assertEquals(root.resolve("models.config"), file);
    Matcher names = Pattern.compile("name: '([^']+)'").matcher(Files.readString(file));
    List<String> listed = names.results().map(m -> m.group(1)).toList();
    assertEquals(List.of("mymodel", "other"), listed, Files.readString(file));
    assertTrue(Files.readString(file).contains("base_path: '/models/mymodel'"));
    try (var children = Files.list(root)) {
      assertTrue(children.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary left");
    }
  }
}
