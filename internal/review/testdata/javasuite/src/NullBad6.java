package store;
import java.io.*;
public class NullBad6 {
    public String firstLine(BufferedReader r) throws IOException {
        String line = r.readLine();
        return line.toLowerCase();
    }
}
