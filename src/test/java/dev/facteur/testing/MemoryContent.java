package dev.facteur.testing;

import dev.facteur.smtp.Gate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** A message held in memory, as the SMTP server offers it to its gate at the end of DATA. */
public final class MemoryContent implements Gate.Content {

    private byte[] bytes;

    public MemoryContent(String text) {
        bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public InputStream open() {
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public void rewrite(Edit edit) throws IOException {
        var next = new ByteArrayOutputStream();
        edit.apply(open(), next);
        bytes = next.toByteArray();
    }

    /** The content now, one char per byte. */
    public String text() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
