package io.jswarm.cli;

/** Entry point of the jswarm command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("jswarm: no commands yet");
    }
}
