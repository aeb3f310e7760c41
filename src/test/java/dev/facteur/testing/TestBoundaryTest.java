package dev.facteur.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Unit tests start no process and no whole Facteur ({@link TestKind}): the only code that may is
 * an integration test ({@code *IT}) or a part of the toolkit that refuses to run in the unit
 * tests. Read from the compiled test classes, so a unit test cannot get round it by starting a
 * process in a way the toolkit does not see.
 */
class TestBoundaryTest {

    @Test
    void onlyIntegrationTestsAndGuardedToolsStartProcessesOrAWholeFacteur() throws Exception {
        List<String> offenders = new ArrayList<>();
        int classes = 0;
        try (Stream<Path> files = Files.walk(testClasses())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                ClassModel c = ClassFile.of().parse(Files.readAllBytes(f));
                classes++;
                String name = c.thisClass().asInternalName();
                String outermost = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
                if (outermost.endsWith("IT") || callsTheGuard(c)) continue;
                String starts = starts(c);
                if (starts != null) offenders.add(name.replace('/', '.') + " (" + starts + ")");
            }
        }
        assertThat(classes).as("test classes read").isGreaterThan(50);
        assertThat(offenders).as("unit test code that starts a process or a Facteur unguarded").isEmpty();
        if (System.getProperty("basedir") != null) // under Maven, whose unit execution turns the guard on
            assertThat(System.getProperty(TestKind.PROPERTY)).as("the unit execution's " + TestKind.PROPERTY).isEqualTo("unit");
    }

    /** What the class uses that starts a process or a Facteur, or null. */
    private static String starts(ClassModel c) {
        for (PoolEntry e : c.constantPool()) {
            if (e instanceof ClassEntry k && k.asInternalName().equals("java/lang/ProcessBuilder")) return "ProcessBuilder";
            if (e instanceof MemberRefEntry m) {
                String owner = m.owner().asInternalName();
                String member = m.name().stringValue();
                if (owner.equals("java/lang/Runtime") && member.equals("exec")) return "Runtime.exec";
                if (owner.equals("dev/facteur/server/Facteur") && member.equals("start")) return "Facteur.start";
            }
        }
        return null;
    }

    private static boolean callsTheGuard(ClassModel c) {
        for (PoolEntry e : c.constantPool()) {
            if (e instanceof MemberRefEntry m && m.owner().asInternalName().equals("dev/facteur/testing/TestKind")
                    && m.name().stringValue().equals("integrationOnly")) return true;
        }
        return false;
    }

    private static Path testClasses() throws URISyntaxException, IOException {
        return Path.of(TestBoundaryTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
