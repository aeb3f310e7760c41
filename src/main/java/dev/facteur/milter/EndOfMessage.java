package dev.facteur.milter;

import java.util.List;

/** The filter's answer at the end of the message: its changes, in the order it sent them, then its verdict. */
public record EndOfMessage(Response response, List<Modification> modifications) {

    public EndOfMessage {
        modifications = List.copyOf(modifications);
    }
}
