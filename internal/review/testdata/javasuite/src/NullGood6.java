package store;
import java.io.*;
public class NullGood6 {
    public String firstLine(BufferedReader r) throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            if (!line.isEmpty()) {
                return line.toLowerCase();
            }
        }
        return "";
    }
}
